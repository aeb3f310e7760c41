package dev.facteur.sts;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.net.HostPort;
import dev.facteur.testing.FakeDnsResolver;
import dev.facteur.testing.LogCapture;
import dev.facteur.testing.Loopback;
import dev.facteur.testing.PrivateCa;
import dev.facteur.tls.CertificateFiles;
import dev.facteur.tls.VerifiedTls;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Our own policy, served as RFC 8461 §3.2 and §3.3 say a sender fetches it: our fetcher is the first client. */
class StsServerTest {

    static final StsPolicy OURS = new StsPolicy(StsPolicy.Mode.TESTING, List.of("mx.example.test", "*.mx.example.test"), Duration.ofDays(7));

    @TempDir
    Path dir;
    private PrivateCa ca;
    private CertificateFiles.Pair certificate;
    private StsServer server;

    @BeforeEach
    void start() {
        ca = PrivateCa.create("Facteur test CA");
        certificate = ca.issue(dir.resolve("tls"), "mta-sts.example.test", "mta-sts.example.org");
    }

    @AfterEach
    void stop() {
        if (server != null) server.close();
    }

    private StsServer listen(List<String> domains) throws IOException {
        var settings = new MtaStsSettings(List.of(new HostPort(Loopback.host(), 0)), Optional.of(certificate), OURS, true, 443,
                Optional.empty(), dir.resolve("cache"));
        server = StsServer.start(settings, domains);
        return server;
    }

    private SSLContext trusting() throws IOException {
        return VerifiedTls.context(Optional.of(ca.writeCertificate(dir.resolve("ca.pem"))));
    }

    @Test
    void ourFetcherTakesThePolicyForEveryDomain() throws IOException {
        var at = listen(List.of("example.test", "example.org")).addresses().getFirst();
        var dns = new FakeDnsResolver().withAddresses("mta-sts.example.test", at.getAddress().getHostAddress())
                .withAddresses("mta-sts.example.org", at.getAddress().getHostAddress());
        var fetcher = new PolicyFetcher(dns, new PolicyFetcher.Settings(at.getPort(), Duration.ofSeconds(30), Duration.ofSeconds(30), trusting()));
        for (String domain : List.of("example.test", "example.org"))
            assertThat(fetcher.fetch(domain)).isInstanceOf(PolicyFetcher.Outcome.Fetched.class)
                    .extracting(o -> ((PolicyFetcher.Outcome.Fetched) o).policy()).isEqualTo(OURS);
    }

    /** A request on a connection that trusts the CA and takes any name (the URL holds an address, not mta-sts.DOMAIN). */
    private HttpsURLConnection request(String method, String path) throws IOException {
        var at = server.addresses().getFirst();
        var c = (HttpsURLConnection) URI.create("https://" + new HostPort(at.getAddress().getHostAddress(), at.getPort()) + path).toURL()
                .openConnection();
        c.setSSLSocketFactory(trusting().getSocketFactory());
        c.setHostnameVerifier((name, session) -> true);
        c.setRequestMethod(method);
        c.setInstanceFollowRedirects(false);
        return c;
    }

    @Test
    void thePolicyIsPlainTextAndNothingElseIsServed() throws IOException {
        listen(List.of("example.test"));
        var get = request("GET", "/.well-known/mta-sts.txt");
        assertThat(get.getResponseCode()).isEqualTo(200);
        assertThat(get.getContentType()).isEqualTo("text/plain; charset=utf-8"); // §3.2
        assertThat(get.getHeaderField("Cache-Control")).isEqualTo("no-store");
        try (var in = get.getInputStream()) {
            assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo(OURS.text());
        }
        assertThat(request("HEAD", "/.well-known/mta-sts.txt").getResponseCode()).isEqualTo(200);
        assertThat(request("GET", "/").getResponseCode()).isEqualTo(404);
        assertThat(request("GET", "/.well-known/mta-sts.txt/").getResponseCode()).isEqualTo(404);
        var post = request("POST", "/.well-known/mta-sts.txt");
        assertThat(post.getResponseCode()).isEqualTo(405);
        assertThat(post.getHeaderField("Allow")).isEqualTo("GET, HEAD");
    }

    @Test
    void theRecordsToPublishAreLoggedAndACertificateThatDoesNotCoverADomainIsSaid() throws IOException {
        try (var log = LogCapture.attach("facteur.sts")) {
            listen(List.of("example.test", "Example.NET"));
            String record = "v=STSv1; id=" + StsRecord.of(OURS).id();
            assertThat(log.infos()).contains(
                    "mta-sts policy served: mode=testing mx=mx.example.test,*.mx.example.test max_age=604800",
                    "mta-sts: publish _mta-sts.example.test TXT \"" + record + "\", and mta-sts.example.test pointing here",
                    "mta-sts: publish _mta-sts.example.net TXT \"" + record + "\", and mta-sts.example.net pointing here");
            assertThat(log.warnings()).containsExactly("mta-sts: the certificate " + certificate.certificate()
                    + " is not valid for mta-sts.example.net (names [mta-sts.example.test, mta-sts.example.org]):"
                    + " senders will not take the policy (RFC 8461 §3.3)");
        }
    }

    @Test
    void noListenAddressNoServer() throws IOException {
        var settings = new MtaStsSettings(List.of(), Optional.empty(), OURS, true, 443, Optional.empty(), dir);
        assertThat(StsServer.start(settings, List.of("example.test"))).isNull();
    }
}
