package dev.facteur.reports.tls;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.dns.AddressAnswer;
import dev.facteur.reports.tls.ReportPoster.Result;
import dev.facteur.testing.FakeDnsResolver;
import dev.facteur.testing.Loopback;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.List;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;

/**
 * What the HTTPS report client decides before and around TLS: which addresses a report may go to,
 * what an answer's status means, and receivers that do not answer. The exchanges over real TLS
 * are in HttpsReportClientIT (it needs a certificate, made by keytool).
 */
class HttpsReportClientTest {

    private static final byte[] BODY = {1, 2, 3};

    private static HttpsReportClient client(FakeDnsResolver dns, Duration timeout) throws Exception {
        return new HttpsReportClient(dns, SSLContext.getDefault(), timeout, HttpsReportClient.PUBLIC);
    }

    @Test
    void reportsGoOnlyToPublicAddresses() { // a TLSRPT record must not make us POST inside our network
        for (String a : List.of("127.0.0.1", "::1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0",
                "224.0.0.1", "fd00::1", "fe80::1", "::"))
            assertThat(HttpsReportClient.isPublic(InetAddress.ofLiteral(a))).as(a).isFalse();
        for (String a : List.of("192.0.2.1", "8.8.8.8", "2001:db8::1", "2a00:1450::1", "100.128.0.1"))
            assertThat(HttpsReportClient.isPublic(InetAddress.ofLiteral(a))).as(a).isTrue();
    }

    @Test
    void aHostOnlyAtPrivateAddressesIsRefusedWithoutConnecting() throws Exception {
        var dns = new FakeDnsResolver().withAddresses("reports.test", "127.0.0.1", "10.0.0.8");
        assertThat(client(dns, Duration.ofSeconds(5)).post(URI.create("https://reports.test/t"), BODY))
                .isInstanceOfSatisfying(Result.Refused.class, r -> assertThat(r.why()).contains("not an address reports go to"));
        assertThat(client(dns, Duration.ofSeconds(5)).post(URI.create("https://[::1]:8443/t"), BODY)).isInstanceOf(Result.Refused.class);
    }

    @Test
    void theHostIsResolvedThroughOurResolver() throws Exception {
        var dns = new FakeDnsResolver().withAddresses("failing.test", new AddressAnswer.TempFail("SERVFAIL"));
        assertThat(client(dns, Duration.ofSeconds(5)).post(URI.create("https://nowhere.test/t"), BODY))
                .isEqualTo(new Result.Refused("nowhere.test does not exist"));
        assertThat(client(dns, Duration.ofSeconds(5)).post(URI.create("https://failing.test/t"), BODY))
                .isEqualTo(new Result.Failed("DNS: SERVFAIL"));
        assertThat(dns.asked()).containsExactly("ADDR nowhere.test", "ADDR failing.test");
    }

    @Test
    void onlyHttpsIsPosted() throws Exception { // RFC 8460 §3: mailto: and https: only
        assertThat(client(new FakeDnsResolver(), Duration.ofSeconds(5)).post(URI.create("http://reports.test/t"), BODY))
                .isInstanceOf(Result.Refused.class);
    }

    @Test
    void whatTheStatusSays() {
        assertThat(HttpsReportClient.answer("HTTP/1.1 200 OK")).isEqualTo(new Result.Accepted(200));
        assertThat(HttpsReportClient.answer("HTTP/1.0 204")).isEqualTo(new Result.Accepted(204));
        assertThat(HttpsReportClient.answer("HTTP/1.1 302 Found"))
                .isEqualTo(new Result.Refused("HTTP 302 Found (redirects are not followed)"));
        assertThat(HttpsReportClient.answer("HTTP/1.1 413 Content Too Large")).isEqualTo(new Result.Refused("HTTP 413 Content Too Large"));
        assertThat(HttpsReportClient.answer("HTTP/1.1 429 Too Many Requests")).isInstanceOf(Result.Failed.class);
        assertThat(HttpsReportClient.answer("HTTP/1.1 408 Request Timeout")).isInstanceOf(Result.Failed.class);
        assertThat(HttpsReportClient.answer("HTTP/1.1 503 Service Unavailable")).isInstanceOf(Result.Failed.class);
        assertThat(HttpsReportClient.answer("")).isEqualTo(new Result.Failed("no answer"));
        assertThat(HttpsReportClient.answer("SSH-2.0-OpenSSH")).isInstanceOf(Result.Failed.class);
    }

    @Test
    void aReceiverThatAcceptsAndNeverAnswersCostsOneTimeout() throws Exception {
        String host = Loopback.host();
        List<Socket> held = new CopyOnWriteArrayList<>();
        try (var server = new ServerSocket()) {
            server.bind(new InetSocketAddress(host, 0));
            Thread.ofVirtual().start(() -> {
                try {
                    while (true) held.add(server.accept()); // and says nothing, not even a TLS hello
                } catch (IOException closed) {
                    // the test is over
                }
            });
            var dns = new FakeDnsResolver().withAddresses("reports.test", host);
            var client = new HttpsReportClient(dns, SSLContext.getDefault(), Duration.ofMillis(300), a -> true);
            assertThat(client.post(URI.create("https://reports.test:" + server.getLocalPort() + "/t"), BODY))
                    .isInstanceOfSatisfying(Result.Failed.class, f -> assertThat(f.why()).contains("no answer within"));
        } finally {
            for (Socket s : held) s.close();
        }
    }

    @Test
    void nobodyListeningIsAFailureForNow() throws Exception {
        String host = Loopback.host(); // a host of ours where nothing was started
        var dns = new FakeDnsResolver().withAddresses("reports.test", host);
        var client = new HttpsReportClient(dns, SSLContext.getDefault(), Duration.ofSeconds(5), a -> true);
        assertThat(client.post(URI.create("https://reports.test:4443/t"), BODY)).isInstanceOf(Result.Failed.class);
    }
}
