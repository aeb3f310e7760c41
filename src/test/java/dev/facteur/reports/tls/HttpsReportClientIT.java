package dev.facteur.reports.tls;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.facteur.reports.tls.ReportPoster.Result;
import dev.facteur.store.Stores;
import dev.facteur.testing.FakeDnsResolver;
import dev.facteur.testing.Loopback;
import dev.facteur.testing.ManualClock;
import dev.facteur.tls.PemTls;
import dev.facteur.tls.SelfSigned;
import dev.facteur.tls.VerifiedTls;
import java.io.ByteArrayInputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.zip.GZIPInputStream;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;

/**
 * RFC 8460 §5.4 over real TLS: reports POSTed to a JDK HttpsServer on a loopback host, whose
 * self-signed certificate (for {@code reports.test}, made by keytool) the client is given as its
 * trust. The fake DNS sends {@code reports.test} and {@code other.test} there.
 */
class HttpsReportClientIT {

    @TempDir
    static Path dir;

    record Received(String method, String path, String host, String contentType, byte[] body) {}

    private static HttpsServer server;
    private static ExecutorService threads;
    private static SSLContext trust;
    private static String host;
    private static final List<Received> received = new CopyOnWriteArrayList<>();
    private static volatile int status = 200;

    private FakeDnsResolver dns;

    @BeforeAll
    static void start() throws Exception {
        var pem = SelfSigned.generate(dir.resolve("tls"), "reports.test");
        trust = VerifiedTls.context(Optional.of(pem.certificate()));
        host = Loopback.host();
        threads = Executors.newVirtualThreadPerTaskExecutor();
        server = HttpsServer.create(new InetSocketAddress(host, 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(PemTls.serverContext(pem.certificate(), pem.privateKey())));
        server.setExecutor(threads);
        server.createContext("/", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            received.add(new Received(exchange.getRequestMethod(), exchange.getRequestURI().toString(),
                    exchange.getRequestHeaders().getFirst("Host"), exchange.getRequestHeaders().getFirst("Content-Type"), body));
            if (status / 100 == 3) exchange.getResponseHeaders().add("Location", "https://reports.test:" + port() + "/elsewhere");
            exchange.sendResponseHeaders(status, -1);
            exchange.close();
        });
        server.start();
    }

    @AfterAll
    static void stop() {
        server.stop(0);
        threads.close();
    }

    @BeforeEach
    void reset() {
        received.clear();
        status = 200;
        dns = new FakeDnsResolver().withAddresses("reports.test", host).withAddresses("other.test", host);
    }

    private static int port() {
        return server.getAddress().getPort();
    }

    private ReportPoster client(SSLContext tls) {
        return new HttpsReportClient(dns, tls, Duration.ofSeconds(10), a -> true); // loopback: the tests' receiver
    }

    private URI uri(String host, String pathAndQuery) {
        return URI.create("https://" + host + ":" + port() + pathAndQuery);
    }

    @Test
    void theReportIsPostedAsApplicationTlsrptGzip() {
        byte[] body = TlsReportTest.appendixB().toGzip();
        assertThat(client(trust).post(uri("reports.test", "/v1/tlsrpt?key=abc%20d"), body)).isEqualTo(new Result.Accepted(200));
        assertThat(received).singleElement().satisfies(r -> {
            assertThat(r.method()).isEqualTo("POST");
            assertThat(r.path()).isEqualTo("/v1/tlsrpt?key=abc%20d");
            assertThat(r.host()).isEqualTo("reports.test:" + port());
            assertThat(r.contentType()).isEqualTo("application/tlsrpt+gzip");
            assertThat(r.body()).isEqualTo(body);
        });
    }

    @Test
    void aServerErrorIsAFailureForNowAndAClientErrorARefusal() {
        status = 503;
        assertThat(client(trust).post(uri("reports.test", "/"), new byte[] {1})).isInstanceOf(Result.Failed.class);
        status = 404;
        assertThat(client(trust).post(uri("reports.test", "/"), new byte[] {1})).isEqualTo(new Result.Refused("HTTP 404 Not Found"));
    }

    @Test
    void aRedirectIsNotFollowed() {
        status = 301;
        assertThat(client(trust).post(uri("reports.test", "/old"), new byte[] {1}))
                .isInstanceOfSatisfying(Result.Refused.class, r -> assertThat(r.why()).contains("redirects are not followed"));
        assertThat(received).extracting(Received::path).containsExactly("/old");
    }

    @Test
    void aCertificateNoAuthoritySignedIsNotTrusted() throws Exception {
        assertThat(client(SSLContext.getDefault()).post(uri("reports.test", "/"), new byte[] {1})).isInstanceOf(Result.Failed.class);
        assertThat(received).isEmpty();
    }

    @Test
    void aCertificateForAnotherNameIsNotTrusted() { // the certificate must name the URI's host
        assertThat(client(trust).post(uri("other.test", "/"), new byte[] {1})).isInstanceOf(Result.Failed.class);
        assertThat(received).isEmpty();
    }

    @Test
    void theSenderPostsTheDaysReportToTheHttpsRua() throws Exception {
        dns.withTxt("_smtp._tls.example.com", "v=TLSRPTv1; rua=https://reports.test:" + port() + "/v1/tlsrpt");
        var clock = ManualClock.at(Instant.parse("2026-11-28T10:00:00Z"));
        try (Stores stores = Stores.embedded(dir.resolve("store"))) {
            var recorder = new StoredTlsReportRecorder(stores.tlsReports(), clock);
            recorder.success("example.com", PolicyRef.noPolicyFound(), "mx.example.com");
            var settings = TlsReportSettings.off("mx.facteur.test");
            try (var sender = new TlsReportSender(stores.tlsReports(), dns, (f, t, c) -> {
                throw new AssertionError("no mailto: here");
            }, client(trust), settings, clock)) {
                clock.set(Instant.parse("2026-11-29T00:05:00Z"));
                assertThat(sender.runOnce()).singleElement()
                        .satisfies(r -> assertThat(r.sentTo()).containsExactly("https://reports.test:" + port() + "/v1/tlsrpt"));
            }
        }
        assertThat(received).singleElement().satisfies(r -> {
            try (var in = new GZIPInputStream(new ByteArrayInputStream(r.body()))) {
                var report = JsonMapper.builder().build().readTree(in.readAllBytes());
                assertThat(report.get("report-id").asString()).isEqualTo("2026-11-28.example.com@mx.facteur.test");
                assertThat(report.get("policies").get(0).get("summary").get("total-successful-session-count").asLong()).isEqualTo(1);
            }
        });
    }
}
