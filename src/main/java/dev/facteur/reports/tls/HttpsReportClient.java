package dev.facteur.reports.tls;

import dev.facteur.dns.AddressAnswer;
import dev.facteur.dns.DnsResolver;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * POSTs a report to an {@code https:} {@code rua} (RFC 8460 §5.4), with
 * {@code Content-Type: application/tlsrpt+gzip}, and reads the answer's status line.
 *
 * <p>The URI comes from the DNS of whoever we sent mail to, so it is treated as a stranger's:
 * its host is resolved through Facteur's own {@link DnsResolver} (not the system's), only the
 * addresses {@code allowed} lets through are connected to ({@link #PUBLIC}: none of loopback,
 * private, link-local or multicast, so that a TLSRPT record cannot make us POST to a service
 * inside our network), and the connection goes to exactly the address that was checked. The
 * certificate must verify for the URI's host name ({@code tls}: the JDK's authorities in
 * production). Redirects are not followed (a report moved elsewhere is the receiver's to fix,
 * and following one would leave the checked address). The whole exchange, from connecting to the
 * status line, has {@code timeout}.
 *
 * <p>A small HTTP/1.1 client of its own rather than {@code java.net.http}: that one resolves
 * names through the system and cannot be told which address to connect to.
 */
public final class HttpsReportClient implements ReportPoster {

    /** Addresses on the public Internet: what a report may be POSTed to. */
    public static final Predicate<InetAddress> PUBLIC = HttpsReportClient::isPublic;

    private static final int MAX_STATUS_LINE = 1024;

    private final DnsResolver dns;
    private final SSLContext tls;
    private final Duration timeout;
    private final Predicate<InetAddress> allowed;

    public HttpsReportClient(DnsResolver dns, SSLContext tls, Duration timeout, Predicate<InetAddress> allowed) {
        this.dns = dns;
        this.tls = tls;
        this.timeout = timeout;
        this.allowed = allowed;
    }

    @Override
    public Result post(URI target, byte[] gzipped) {
        if (!"https".equalsIgnoreCase(target.getScheme()) || target.getHost() == null)
            return new Result.Refused("not an https:// URI");
        String host = target.getHost();
        boolean literal = host.startsWith("[") || host.chars().allMatch(c -> c == '.' || c >= '0' && c <= '9');
        String bare = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
        int port = target.getPort() < 0 ? 443 : target.getPort();
        List<InetAddress> candidates;
        if (literal) {
            try {
                candidates = List.of(InetAddress.ofLiteral(bare));
            } catch (IllegalArgumentException e) {
                return new Result.Refused("not an address: " + host);
            }
        } else {
            switch (dns.addresses(bare)) {
                case AddressAnswer.Found(List<InetAddress> found) -> candidates = found;
                case AddressAnswer.NxDomain() -> { return new Result.Refused(bare + " does not exist"); }
                case AddressAnswer.NoRecords() -> { return new Result.Refused(bare + " has no address"); }
                case AddressAnswer.TempFail(String reason) -> { return new Result.Failed("DNS: " + reason); }
            }
        }
        List<InetAddress> usable = candidates.stream().filter(allowed).toList();
        if (usable.isEmpty())
            return new Result.Refused(bare + " is at " + candidates.stream().map(InetAddress::getHostAddress).toList()
                    + ": not an address reports go to");
        long deadline = System.nanoTime() + timeout.toNanos();
        String why = "";
        for (InetAddress address : usable) {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(address, port), remainingMillis(deadline));
                return overTls(socket, bare, literal, port, target, gzipped, deadline);
            } catch (SocketTimeoutException e) {
                return new Result.Failed("no answer within " + timeout + " from " + address.getHostAddress());
            } catch (IOException e) {
                why = address.getHostAddress() + ": " + (e.getMessage() == null ? e.toString() : e.getMessage());
                if (remainingMillis(deadline) <= 1) break;
            }
        }
        return new Result.Failed(why);
    }

    private Result overTls(Socket plain, String host, boolean literal, int port, URI target, byte[] body, long deadline)
            throws IOException {
        try (SSLSocket s = (SSLSocket) tls.getSocketFactory().createSocket(plain, host, port, true)) {
            return exchange(s, host, literal, port, target, body, deadline);
        }
    }

    private static Result exchange(SSLSocket s, String host, boolean literal, int port, URI target, byte[] body, long deadline)
            throws IOException {
        SSLParameters p = s.getSSLParameters();
        p.setEndpointIdentificationAlgorithm("HTTPS"); // the certificate must name the URI's host
        if (!literal) p.setServerNames(List.of(new SNIHostName(host)));
        s.setSSLParameters(p);
        s.setSoTimeout(remainingMillis(deadline));
        s.startHandshake();
        String path = (target.getRawPath() == null || target.getRawPath().isEmpty() ? "/" : target.getRawPath())
                + (target.getRawQuery() == null ? "" : "?" + target.getRawQuery());
        String authority = (literal && host.indexOf(':') >= 0 ? "[" + host + "]" : host) + (port == 443 ? "" : ":" + port);
        String head = "POST " + path + " HTTP/1.1\r\n"
                + "Host: " + authority + "\r\n"
                + "Content-Type: application/tlsrpt+gzip\r\n"
                + "Content-Length: " + body.length + "\r\n"
                + "User-Agent: Facteur\r\n"
                + "Connection: close\r\n\r\n";
        OutputStream out = s.getOutputStream();
        out.write(head.getBytes(StandardCharsets.US_ASCII));
        out.write(body);
        out.flush();
        return answer(statusLine(s, deadline));
    }

    /** The first line of the answer, each read given what is left of the deadline. */
    private static String statusLine(Socket s, long deadline) throws IOException {
        InputStream in = s.getInputStream();
        var line = new ByteArrayOutputStream();
        while (line.size() < MAX_STATUS_LINE) {
            s.setSoTimeout(remainingMillis(deadline));
            int b = in.read();
            if (b < 0 || b == '\n') break;
            if (b != '\r') line.write(b);
        }
        return line.toString(StandardCharsets.ISO_8859_1);
    }

    /** RFC 9112 §4: {@code HTTP/1.1 200 OK}. */
    static Result answer(String statusLine) {
        String[] parts = statusLine.split(" ", 3);
        if (parts.length < 2 || !parts[0].startsWith("HTTP/1.") || !parts[1].matches("[1-5][0-9][0-9]"))
            return new Result.Failed(statusLine.isEmpty() ? "no answer" : "not an HTTP answer: " + statusLine);
        int status = Integer.parseInt(parts[1]);
        String said = "HTTP " + status + (parts.length > 2 ? " " + parts[2] : "");
        if (status / 100 == 2) return new Result.Accepted(status);
        if (status / 100 == 3) return new Result.Refused(said + " (redirects are not followed)");
        if (status == 408 || status == 429 || status / 100 == 5) return new Result.Failed(said);
        return new Result.Refused(said);
    }

    private static int remainingMillis(long deadline) {
        return (int) Math.clamp((deadline - System.nanoTime()) / 1_000_000, 1, Integer.MAX_VALUE);
    }

    /** Not loopback, unspecified, private (RFC 1918, RFC 4193), shared (RFC 6598), link-local or multicast. */
    static boolean isPublic(InetAddress a) {
        if (a.isAnyLocalAddress() || a.isLoopbackAddress() || a.isLinkLocalAddress() || a.isSiteLocalAddress() || a.isMulticastAddress())
            return false;
        byte[] b = a.getAddress();
        if (a instanceof Inet4Address) {
            int first = b[0] & 0xff, second = b[1] & 0xff;
            return first != 0 && !(first == 100 && second >= 64 && second < 128) && first < 240;
        }
        return !(a instanceof Inet6Address) || (b[0] & 0xfe) != 0xfc; // fc00::/7
    }
}
