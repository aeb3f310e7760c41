package dev.facteur.sts;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import dev.facteur.net.HostPort;
import dev.facteur.tls.CertificateFiles;
import dev.facteur.tls.PemTls;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves our own policy at {@code https://mta-sts.DOMAIN/.well-known/mta-sts.txt} (RFC 8461
 * §3.2), the same policy for every Host: the {@code mta-sts.DOMAIN} names of all our domains
 * point here. {@code GET} and {@code HEAD} of that path only; {@code text/plain}, as §3.2 requires
 * of the media type; never a redirect, which senders must not follow (§3.3). The certificate
 * must be valid for each {@code mta-sts.DOMAIN}: when its files come from {@link CertificateFiles},
 * a renewed one is served without a restart.
 */
public final class StsServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger("facteur.sts");

    private final List<HttpsServer> servers = new ArrayList<>();
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final byte[] policy;

    /** Binds every address of {@code listen}, serving {@code policy} with {@code tls}'s certificates. */
    public StsServer(List<HostPort> listen, StsPolicy policy, SSLContext tls) throws IOException {
        this.policy = policy.text().getBytes(StandardCharsets.UTF_8);
        try {
            for (HostPort at : listen) {
                HttpsServer https = HttpsServer.create(new InetSocketAddress(at.host(), at.port()), 50);
                servers.add(https);
                https.setHttpsConfigurator(new HttpsConfigurator(tls) {
                    @Override
                    public void configure(HttpsParameters params) {
                        params.setSSLParameters(tls.getDefaultSSLParameters());
                    }
                });
                https.setExecutor(executor);
                https.createContext("/", this::handle); // every path: the others get a 404 of ours
            }
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    /**
     * The listener {@code [mta_sts]} asks for, started, with the DNS records to publish for each
     * of {@code domains} logged; null when it listens nowhere.
     */
    public static StsServer start(MtaStsSettings settings, List<String> domains) throws IOException {
        if (settings.listen().isEmpty()) return null;
        CertificateFiles.Pair pair = settings.certificate().orElseThrow();
        StsPolicy p = settings.policy();
        var server = new StsServer(settings.listen(), p, PemTls.serverContext(CertificateFiles.open(List.of(pair))));
        server.start();
        String record = StsRecord.of(p).text();
        log.info("mta-sts policy served: mode={} mx={} max_age={}", p.mode().token(), String.join(",", p.mx()), p.maxAge().toSeconds());
        if (domains.isEmpty())
            log.info("mta-sts: for each domain whose MX points here publish _mta-sts.DOMAIN TXT \"{}\", and mta-sts.DOMAIN pointing here", record);
        List<String> names = certificateNames(pair);
        for (String domain : domains) {
            String host = PolicyFetcher.policyHost(domain.toLowerCase(Locale.ROOT));
            log.info("mta-sts: publish _mta-sts.{} TXT \"{}\", and {} pointing here", domain.toLowerCase(Locale.ROOT), record, host);
            if (names != null && names.stream().noneMatch(n -> nameMatches(n, host)))
                log.warn("mta-sts: the certificate {} is not valid for {} (names {}): senders will not take the policy (RFC 8461 §3.3)",
                        pair.certificate(), host, names);
        }
        return server;
    }

    public void start() {
        for (HttpsServer https : servers) {
            https.start();
            log.info("mta-sts policy on https://{}{}", new HostPort(https.getAddress().getHostString(), https.getAddress().getPort()),
                    PolicyFetcher.PATH);
        }
    }

    /** The bound addresses, in the order of {@code listen}. */
    public List<InetSocketAddress> addresses() {
        return servers.stream().map(HttpsServer::getAddress).toList();
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            var h = ex.getResponseHeaders();
            h.set("Content-Type", "text/plain; charset=utf-8");
            h.set("Cache-Control", "no-store"); // senders must not use HTTP caching (§3.3) anyway
            h.set("X-Content-Type-Options", "nosniff");
            String method = ex.getRequestMethod();
            if (!ex.getRequestURI().getRawPath().equals(PolicyFetcher.PATH)) {
                send(ex, 404, "Not found: the policy is at " + PolicyFetcher.PATH + "\n");
            } else if (method.equals("GET")) {
                ex.sendResponseHeaders(200, policy.length);
                ex.getResponseBody().write(policy);
            } else if (method.equals("HEAD")) {
                ex.sendResponseHeaders(200, -1);
            } else {
                h.set("Allow", "GET, HEAD");
                send(ex, 405, "Method not allowed: GET or HEAD\n");
            }
        }
    }

    private static void send(HttpExchange ex, int status, String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        ex.sendResponseHeaders(status, bytes.length);
        ex.getResponseBody().write(bytes);
    }

    /** The DNS names of the pair's certificate (its first), lower case; null when it does not read (the listener said so). */
    private static List<String> certificateNames(CertificateFiles.Pair pair) {
        try (InputStream in = Files.newInputStream(pair.certificate())) {
            var cert = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
            List<String> names = new ArrayList<>();
            if (cert.getSubjectAlternativeNames() != null)
                for (List<?> san : cert.getSubjectAlternativeNames())
                    if (Integer.valueOf(2).equals(san.get(0))) names.add(san.get(1).toString().toLowerCase(Locale.ROOT));
            return names;
        } catch (IOException | CertificateException e) {
            return null;
        }
    }

    /** RFC 6125 §6.4.3: a wildcard stands for one whole leftmost label. */
    private static boolean nameMatches(String pattern, String host) {
        if (pattern.equals(host)) return true;
        int dot = host.indexOf('.');
        return pattern.startsWith("*.") && dot > 0 && host.substring(dot).equals(pattern.substring(1));
    }

    @Override
    public void close() {
        for (HttpsServer https : servers) https.stop(0);
        executor.shutdownNow();
    }
}
