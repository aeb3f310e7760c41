package dev.facteur.sts;

import dev.facteur.dns.AddressAnswer;
import dev.facteur.dns.DnsResolver;
import dev.facteur.tls.VerifiedTls;
import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * Fetches a domain's policy as RFC 8461 §3.3 says: {@code GET /.well-known/mta-sts.txt} from
 * {@code mta-sts.DOMAIN} over HTTPS. The policy host's addresses come from the same
 * {@link DnsResolver} as mail routing (the JDK's HTTP client would ask the system resolver); each
 * is tried in turn until one answers. TLS names the host (SNI) and its certificate must verify
 * for it (RFC 6125, by the JDK's HTTPS endpoint identification) against the trust anchors of
 * {@link Settings#tls}. Only a {@code 200} counts: a redirect is not followed; the media type
 * must be {@code text/plain} (§3.2); the body is read up to {@link #MAX_POLICY} octets, the limit
 * §3.3 recommends. The request is written by hand on a socket connected here: HTTP/1.1, one
 * request, {@code Connection: close}.
 *
 * <p>What the network does never throws: every failure is a {@link Outcome.Failed} that says
 * which address did what.
 */
public final class PolicyFetcher {

    /** §3.3: "a RECOMMENDED maximum policy size is 64 kilobytes". */
    public static final int MAX_POLICY = 64 * 1024;

    static final String PATH = "/.well-known/mta-sts.txt";

    /**
     * How policies are fetched.
     *
     * @param port           the policy hosts' HTTPS port: 443, another only in tests
     * @param connectTimeout how long one address may take to accept the connection
     * @param timeout        how long the exchange may take once connected, TLS handshake included;
     *                       §3.3 recommends one minute
     * @param tls            whose certificates are trusted: {@link VerifiedTls#context}
     */
    public record Settings(int port, Duration connectTimeout, Duration timeout, SSLContext tls) {
        public static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
        public static final Duration TIMEOUT = Duration.ofSeconds(60);

        public Settings {
            if (port < 1 || port > 65535) throw new IllegalArgumentException("port out of range: " + port);
            if (!connectTimeout.isPositive() || !timeout.isPositive()) throw new IllegalArgumentException("timeouts must be positive");
        }

        /** Port {@code port}, the default timeouts, the JDK's certificate authorities and those of {@code caFile}. */
        public static Settings of(int port, Optional<Path> caFile) throws IOException {
            return new Settings(port, CONNECT_TIMEOUT, TIMEOUT, VerifiedTls.context(caFile));
        }
    }

    /** What came of one fetch. */
    public sealed interface Outcome {
        /** A valid policy, from {@code source} (host, address and port). */
        record Fetched(StsPolicy policy, String source) implements Outcome {}

        /** No policy: {@code reason} says what happened at each address. */
        record Failed(Failure failure, String reason) implements Outcome {}
    }

    /** Why a fetch failed, as RFC 8460 §4.3.2.1 (TLS reporting) names the result types. */
    public enum Failure {
        /** {@code sts-policy-fetch-error}: no address, no connection, no answer, or not a 200. */
        FETCH_ERROR("sts-policy-fetch-error"),
        /** {@code sts-policy-invalid}: an answer that is no valid policy (media type, size, syntax). */
        POLICY_INVALID("sts-policy-invalid"),
        /** {@code sts-webpki-invalid}: the policy host's certificate does not verify for its name. */
        WEBPKI_INVALID("sts-webpki-invalid");

        private final String resultType;

        Failure(String resultType) {
            this.resultType = resultType;
        }

        /** The RFC 8460 result type. */
        public String resultType() {
            return resultType;
        }
    }

    private final DnsResolver dns;
    private final Settings settings;

    public PolicyFetcher(DnsResolver dns, Settings settings) {
        this.dns = dns;
        this.settings = settings;
    }

    /** The policy host of {@code domain}: {@code mta-sts.DOMAIN} (§3.3). */
    public static String policyHost(String domain) {
        return "mta-sts." + domain;
    }

    /** Fetches the policy of {@code domain} (a lower-case ASCII domain name without trailing dot). */
    public Outcome fetch(String domain) {
        String host = policyHost(domain);
        List<InetAddress> addresses;
        switch (dns.addresses(host)) {
            case AddressAnswer.Found(var found) -> addresses = found;
            case AddressAnswer.NxDomain() -> {
                return new Outcome.Failed(Failure.FETCH_ERROR, host + " does not exist (NXDOMAIN)");
            }
            case AddressAnswer.NoRecords() -> {
                return new Outcome.Failed(Failure.FETCH_ERROR, host + " has no address");
            }
            case AddressAnswer.TempFail(var reason) -> {
                return new Outcome.Failed(Failure.FETCH_ERROR, host + ": DNS: " + reason);
            }
        }
        List<String> tried = new ArrayList<>();
        Failure worst = Failure.FETCH_ERROR;
        for (InetAddress address : addresses) {
            String source = host + "[" + address.getHostAddress() + "]:" + settings.port();
            try {
                return exchange(host, address, source);
            } catch (Refused r) { // an answer: the other addresses serve the same site
                return new Outcome.Failed(r.failure, source + ": " + r.getMessage());
            } catch (IOException e) {
                Failure f = certificateProblem(e) ? Failure.WEBPKI_INVALID : Failure.FETCH_ERROR;
                if (f == Failure.WEBPKI_INVALID) worst = f;
                tried.add(source + ": " + describe(e, f));
            }
        }
        return new Outcome.Failed(worst, String.join("; ", tried));
    }

    /** One address: connect, handshake, GET, and read the answer. */
    private Outcome exchange(String host, InetAddress address, String source) throws IOException {
        try (Socket raw = new Socket()) {
            raw.connect(new InetSocketAddress(address, settings.port()), (int) Math.max(1, settings.connectTimeout().toMillis()));
            long deadline = System.nanoTime() + settings.timeout().toNanos();
            raw.setSoTimeout(remainingMillis(deadline));
            try (SSLSocket tls = (SSLSocket) settings.tls().getSocketFactory().createSocket(raw, host, settings.port(), true)) {
                SSLParameters p = tls.getSSLParameters();
                p.setServerNames(List.of(new SNIHostName(host)));
                p.setEndpointIdentificationAlgorithm("HTTPS"); // RFC 6125 name checks, as §3.3 asks for the "mta-sts" DNS-ID
                tls.setSSLParameters(p);
                tls.startHandshake();
                OutputStream out = tls.getOutputStream();
                out.write(request(host, settings.port()).getBytes(StandardCharsets.US_ASCII));
                out.flush();
                InputStream in = new BufferedInputStream(new Deadline(tls.getInputStream(), tls, deadline));
                HttpReply reply = HttpReply.readHead(in);
                if (reply.status() != 200) {
                    String location = reply.field("location");
                    throw new Refused(Failure.FETCH_ERROR, "HTTP " + reply.status()
                            + (reply.status() / 100 == 3 ? " (a redirect" + (location == null ? "" : " to " + HttpReply.printable(location))
                                    + ", not followed: RFC 8461 §3.3)" : " (only 200 counts: RFC 8461 §3.3)"));
                }
                String type = reply.field("content-type");
                if (!isTextPlain(type))
                    throw new Refused(Failure.POLICY_INVALID, "Content-Type " + (type == null ? "missing" : HttpReply.printable(type))
                            + ", not text/plain (RFC 8461 §3.2)");
                byte[] body;
                try {
                    body = reply.readBody(in, MAX_POLICY);
                } catch (HttpReply.TooLarge e) {
                    throw new Refused(Failure.POLICY_INVALID, e.getMessage() + " (RFC 8461 §3.3)");
                }
                String text;
                try {
                    text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                            .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(body)).toString();
                } catch (CharacterCodingException e) {
                    throw new Refused(Failure.POLICY_INVALID, "the policy is not UTF-8");
                }
                return switch (StsPolicy.parse(text)) {
                    case StsPolicy.Parse.Valid(var policy) -> new Outcome.Fetched(policy, source);
                    case StsPolicy.Parse.Invalid(var reason) -> throw new Refused(Failure.POLICY_INVALID, "not a valid policy: " + reason);
                };
            }
        }
    }

    /** The request, as RFC 9112 writes it; the port in Host only when it is not HTTPS's own. */
    static String request(String host, int port) {
        return "GET " + PATH + " HTTP/1.1\r\n"
                + "Host: " + host + (port == 443 ? "" : ":" + port) + "\r\n"
                + "User-Agent: Facteur (MTA-STS)\r\n"
                + "Accept: text/plain\r\n"
                + "Connection: close\r\n"
                + "\r\n";
    }

    /**
     * §3.2: the media type is {@code text/plain} (case-insensitive, RFC 9110 §8.3.1); its
     * parameters (a charset) do not matter.
     */
    static boolean isTextPlain(String contentType) {
        if (contentType == null) return false;
        int semicolon = contentType.indexOf(';');
        String type = (semicolon < 0 ? contentType : contentType.substring(0, semicolon)).strip();
        return type.toLowerCase(Locale.ROOT).equals("text/plain");
    }

    /** Whether a TLS failure is the certificate's: untrusted, expired, or not for the host's name. */
    private static boolean certificateProblem(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause())
            if (t instanceof CertificateException || t instanceof CertPathValidatorException) return true;
        return false;
    }

    private static String describe(IOException e, Failure f) {
        if (f == Failure.WEBPKI_INVALID) {
            Throwable root = e;
            while (root.getCause() != null) root = root.getCause();
            return "the certificate does not verify: " + root.getMessage();
        }
        if (e instanceof SocketTimeoutException) return "timed out";
        if (e instanceof SSLException) return "TLS: " + e.getMessage();
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    private static int remainingMillis(long deadline) throws SocketTimeoutException {
        long left = deadline - System.nanoTime();
        if (left <= 0) throw new SocketTimeoutException("the exchange took too long");
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, Duration.ofNanos(left).toMillis()));
    }

    /** An answer from the policy host that is not a policy: final, the other addresses are not asked. */
    private static final class Refused extends IOException {
        final Failure failure;

        Refused(Failure failure, String message) {
            super(message);
            this.failure = failure;
        }
    }

    /**
     * Reads that end by the exchange's deadline: each read may wait only for what is left of it,
     * so a server that sends an octet now and then cannot hold the fetch for ever.
     */
    private static final class Deadline extends FilterInputStream {
        private final Socket socket;
        private final long deadline;

        Deadline(InputStream in, Socket socket, long deadline) {
            super(in);
            this.socket = socket;
            this.deadline = deadline;
        }

        @Override
        public int read() throws IOException {
            socket.setSoTimeout(remainingMillis(deadline));
            return super.read();
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            socket.setSoTimeout(remainingMillis(deadline));
            return super.read(b, off, len);
        }
    }
}
