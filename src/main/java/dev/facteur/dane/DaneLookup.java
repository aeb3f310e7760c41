package dev.facteur.dane;

import dev.facteur.dns.AddressAnswer;
import dev.facteur.dns.Mx;
import dev.facteur.dns.MxAnswer;
import dev.facteur.dns.SecureDns;
import dev.facteur.dns.Validated;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import javax.net.ssl.SSLContext;

/**
 * What DANE asks of the MX hosts of one destination domain (RFC 7672 §2): the MX lookup through
 * DNSSEC, then {@link TlsDiscovery} for each host. Answers are kept a minute, as routes are: a
 * busy domain is looked up once a minute, not per message, and the TLS contexts of its hosts stay
 * the same object for that minute, so connections to them can be kept and reused.
 */
public final class DaneLookup {

    /** What DANE says of a destination. */
    public sealed interface Destination {

        /** The MX records are not proven (insecure, or no MX host): DANE does not apply to this domain. */
        record Unsigned(String why) implements Destination {}

        /**
         * DNSSEC could not say whether DANE applies (a bogus or failed MX lookup): no host may be
         * used now (RFC 7672 §2.1.1), and the mail waits.
         */
        record Undecided(String reason) implements Destination {}

        /**
         * The MX hosts were found securely: each host's outcome, in MX order, and for each host
         * with usable records the context that authenticates it.
         */
        record Signed(Map<String, DaneOutcome> hosts, Map<String, SSLContext> contexts) implements Destination {
            public Signed {
                hosts = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(hosts));
                contexts = Map.copyOf(contexts);
            }

            /** Whether every host publishes TLSA records (usable or not): DANE then governs all of this domain's TLS. */
            public boolean everyHostRequiresTls() {
                return hosts.values().stream().allMatch(DaneOutcome::requiresTls);
            }

            /** {@code host}'s outcome; a host not among the secure MX hosts has none. */
            public DaneOutcome of(String host) {
                DaneOutcome o = hosts.get(host.toLowerCase(Locale.ROOT));
                return o != null ? o : new DaneOutcome.NotApplicable("not among the MX hosts found securely");
            }
        }
    }

    private static final long KEEP_NANOS = Duration.ofSeconds(60).toNanos();
    private static final int KEEP_MAX = 10_000;

    private record Kept(Destination destination, long until) {}

    private final SecureDns dns;
    private final LongSupplier nanos;
    private final Map<String, Kept> kept = new ConcurrentHashMap<>();

    public DaneLookup(SecureDns dns) {
        this(dns, System::nanoTime);
    }

    DaneLookup(SecureDns dns, LongSupplier nanos) {
        this.dns = dns;
        this.nanos = nanos;
    }

    /** What DANE says of {@code domain}'s MX hosts, reached on {@code port} (whose TLSA records are {@code _port._tcp.host}). */
    public Destination lookup(String domain, int port) {
        String d = domain.toLowerCase(Locale.ROOT);
        String key = d + ":" + port;
        long now = nanos.getAsLong();
        Kept k = kept.get(key);
        if (k != null && now - k.until() < 0) return k.destination();
        Destination found = find(d, port);
        if (!(found instanceof Destination.Undecided)) { // trouble is asked again next time
            if (kept.size() >= KEEP_MAX) kept.clear();
            kept.put(key, new Kept(found, now + KEEP_NANOS));
        }
        return found;
    }

    private Destination find(String domain, int port) {
        Validated<MxAnswer> mx = dns.mx(domain);
        switch (mx) {
            case Validated.Bogus<MxAnswer>(var reason) -> {
                return new Destination.Undecided("the MX lookup of " + domain + " is bogus (DNSSEC): " + reason);
            }
            case Validated.TempFail<MxAnswer>(var reason) -> {
                return new Destination.Undecided("the DNSSEC MX lookup of " + domain + " failed: " + reason);
            }
            case Validated.Insecure<MxAnswer> i -> {
                return new Destination.Unsigned("the MX records of " + domain + " are not signed");
            }
            case Validated.Secure<MxAnswer> s -> {}
        }
        var hosts = new LinkedHashMap<String, DaneOutcome>();
        var contexts = new java.util.HashMap<String, SSLContext>();
        switch (((Validated.Secure<MxAnswer>) mx).answer()) {
            case MxAnswer.Records r -> {
                for (Mx m : r.mxs()) hosts.putIfAbsent(m.host().toLowerCase(Locale.ROOT), null);
            }
            case MxAnswer.NoRecords n -> hosts.put(domain, null); // RFC 7672 §2.2.1: the domain is its own MX host
            default -> {
                return new Destination.Unsigned("no MX host for " + domain);
            }
        }
        for (String host : hosts.keySet()) {
            Validated<AddressAnswer> addresses = dns.addresses(host);
            DaneOutcome o = TlsDiscovery.decide(mx, addresses, () -> dns.tlsa(host, port));
            hosts.put(host, o);
            if (o instanceof DaneOutcome.Required r) contexts.put(host, DaneTls.context(r.records(), host, domain));
        }
        return new Destination.Signed(hosts, contexts);
    }
}
