package dev.facteur.reports.tls;

import dev.facteur.reports.Dropped;
import dev.facteur.reports.tls.SessionRow.Failure;
import dev.facteur.store.TlsReportStore;
import dev.facteur.store.TlsReportStore.Added;
import dev.facteur.store.TlsReportStore.Day;
import java.net.IDN;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.time.Clock;
import java.util.Locale;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Counts each session in its Policy Domain's report of the day ({@link TlsReportStore}), on the
 * delivery thread: one store operation. Reports are best effort, so a session the store cannot
 * take, or one with a domain that is no domain, is dropped and logged (at most once a minute,
 * with how many went since).
 *
 * <p>A day's report holds at most {@value #MAX_ROWS} distinct rows per domain (a policy's
 * successes are one row; failures one per result type, our address, MX host and its address);
 * past that, new kinds of sessions are counted as left out, and the report's log line says how
 * many. Only a domain that changes its policy all day long, or has hundreds of MX addresses
 * failing, comes near it.
 */
public final class StoredTlsReportRecorder implements TlsReportRecorder {

    static final int MAX_ROWS = 1000;
    /** {@code failure-reason-code} is a code or a short message; a longer one is cut. */
    static final int MAX_DETAIL = 200;
    private static final Logger log = LoggerFactory.getLogger("facteur.tlsrpt");

    private final TlsReportStore store;
    private final Clock clock;
    private final Dropped dropped = new Dropped(log, "tls report", "session");

    public StoredTlsReportRecorder(TlsReportStore store, Clock clock) {
        this.store = store;
        this.clock = clock;
    }

    @Override
    public void success(String policyDomain, PolicyRef policy, String mxHost) {
        record(policyDomain, new SessionRow(policy, Optional.empty()), "");
    }

    @Override
    public void failure(String policyDomain, PolicyRef policy, String mxHost, FailureType type, String sendingIp, String receivingIp,
            String detail) {
        Failure f = new Failure(type, address(sendingIp), host(mxHost), address(receivingIp));
        record(policyDomain, new SessionRow(policy, Optional.of(f)), detail(detail));
    }

    private void record(String policyDomain, SessionRow row, String note) {
        try {
            String domain = host(policyDomain).orElseThrow(() -> new IllegalArgumentException("not a domain: " + policyDomain));
            Added added = store.add(Day.of(domain, clock.instant()), row.write(), note, MAX_ROWS);
            if (added == Added.LEFT_OUT)
                log.debug("tls report for {}: more than {} distinct rows today; this session is counted as left out", domain, MAX_ROWS);
        } catch (RuntimeException e) {
            dropped.add(e);
        }
    }

    /** A host or domain name in its report form: A-labels, lowercase, no final dot; empty when there is none. */
    static Optional<String> host(String name) {
        if (name == null) return Optional.empty();
        String n = name.strip();
        if (n.endsWith(".")) n = n.substring(0, n.length() - 1);
        if (n.isEmpty()) return Optional.empty();
        try {
            n = IDN.toASCII(n, IDN.ALLOW_UNASSIGNED).toLowerCase(Locale.ROOT);
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        if (n.length() > 253 || !n.matches("[a-z0-9_-]{1,63}(\\.[a-z0-9_-]{1,63})*")) return Optional.empty();
        return Optional.of(n);
    }

    /** An IP literal as reports write it (IPv6 in RFC 5952's short form); empty when absent or no address. */
    static Optional<String> address(String ip) {
        if (ip == null || ip.isBlank()) return Optional.empty();
        try {
            return Optional.of(text(InetAddress.ofLiteral(ip.strip())));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private static String text(InetAddress a) {
        if (!(a instanceof Inet6Address)) return a.getHostAddress();
        byte[] b = a.getAddress();
        int[] g = new int[8];
        for (int i = 0; i < 8; i++) g[i] = (b[2 * i] & 0xff) << 8 | b[2 * i + 1] & 0xff;
        int bestStart = -1, bestLength = 1; // RFC 5952 §4.2.2: "::" never stands for a single group
        for (int i = 0; i < 8; ) {
            if (g[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && g[j] == 0) j++;
            if (j - i > bestLength) {
                bestStart = i;
                bestLength = j - i;
            }
            i = j;
        }
        var s = new StringBuilder(39);
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                s.append("::");
                i += bestLength - 1;
                continue;
            }
            if (!s.isEmpty() && s.charAt(s.length() - 1) != ':') s.append(':');
            s.append(Integer.toHexString(g[i]));
        }
        return s.toString();
    }

    /** One line of printable text, cut at {@link #MAX_DETAIL}: it goes into JSON and a log line. */
    private static String detail(String detail) {
        if (detail == null) return "";
        String d = detail.replaceAll("[\\p{Cntrl}\\s]+", " ").strip();
        if (d.length() <= MAX_DETAIL) return d;
        return d.substring(0, Character.isHighSurrogate(d.charAt(MAX_DETAIL - 1)) ? MAX_DETAIL - 1 : MAX_DETAIL);
    }
}
