package dev.facteur.sts;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.dns.AddressAnswer;
import dev.facteur.sts.PolicyFetcher.Failure;
import dev.facteur.sts.PolicyFetcher.Outcome;
import dev.facteur.testing.FakeDnsResolver;
import dev.facteur.testing.Loopback;
import dev.facteur.testing.PrivateCa;
import dev.facteur.tls.VerifiedTls;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * RFC 8461 §3.3, against a real HTTPS server on loopback: the policy host found through our DNS
 * (a fake one: {@code mta-sts.example.test} exists nowhere else), its certificate checked against
 * a test CA, and every way an answer is not a policy.
 */
class PolicyFetcherTest {

    static final String POLICY = "version: STSv1\r\nmode: enforce\r\nmx: mx.example.test\r\nmax_age: 86400\r\n";
    static final String HOST = "mta-sts.example.test";

    @TempDir
    Path dir;
    private final FakeDnsResolver dns = new FakeDnsResolver();
    private final PrivateCa ca = PrivateCa.create("Facteur test CA");
    private final List<AutoCloseable> closing = new ArrayList<>();
    private PolicyHost host;

    @BeforeEach
    void policyHost() {
        // the first certificate is for another name: only a client that names the host (SNI) gets the right one
        host = started(PolicyHost.start(ca.issue(dir.resolve("other"), "www.example.test"), ca.issue(dir.resolve("sts"), HOST)));
        dns.withAddresses(HOST, host.ip());
    }

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : closing) c.close();
    }

    private PolicyHost started(PolicyHost h) {
        closing.add(h);
        return h;
    }

    private PolicyFetcher fetcher(int port) {
        try {
            return new PolicyFetcher(dns, new PolicyFetcher.Settings(port, Duration.ofSeconds(30), Duration.ofSeconds(30),
                    VerifiedTls.context(Optional.of(ca.writeCertificate(dir.resolve("ca.pem"))))));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    static StsPolicy parsed(String text) {
        return switch (StsPolicy.parse(text)) {
            case StsPolicy.Parse.Valid(var p) -> p;
            case StsPolicy.Parse.Invalid(var reason) -> throw new AssertionError(reason);
        };
    }

    private Outcome fetch() {
        return fetcher(host.port()).fetch("example.test");
    }

    private Outcome.Failed failed() {
        Outcome o = fetch();
        assertThat(o).isInstanceOf(Outcome.Failed.class);
        return (Outcome.Failed) o;
    }

    @Test
    void aValidPolicyFromThePolicyHostFoundThroughOurDns() {
        host.serve(POLICY);
        assertThat(fetch()).isEqualTo(new Outcome.Fetched(parsed(POLICY), HOST + "[" + host.ip() + "]:" + host.port()));
        assertThat(dns.asked()).containsExactly("ADDR " + HOST);
        assertThat(host.requests()).containsExactly(new PolicyHost.Request("GET", "/.well-known/mta-sts.txt", HOST + ":" + host.port()));
    }

    @Test
    void aCertificateForAnotherNameIsRefused() { // §3.3: valid for the "mta-sts" DNS-ID (RFC 6125)
        var wrong = started(PolicyHost.start(ca.issue(dir.resolve("wrong"), "mta-sts.example.org")).serve(POLICY));
        dns.withAddresses(HOST, wrong.ip());
        Outcome.Failed f = (Outcome.Failed) fetcher(wrong.port()).fetch("example.test");
        assertThat(f.failure()).isEqualTo(Failure.WEBPKI_INVALID);
        assertThat(f.failure().resultType()).isEqualTo("sts-webpki-invalid");
        assertThat(f.reason()).contains("the certificate does not verify").contains(HOST);
        assertThat(wrong.requests()).as("nothing was asked of it").isEmpty();
    }

    @Test
    void aSelfSignedCertificateIsRefused() {
        var untrusted = started(PolicyHost.start(PrivateCa.selfSigned(dir.resolve("self"), HOST)).serve(POLICY));
        dns.withAddresses(HOST, untrusted.ip());
        Outcome.Failed f = (Outcome.Failed) fetcher(untrusted.port()).fetch("example.test");
        assertThat(f.failure()).isEqualTo(Failure.WEBPKI_INVALID);
        assertThat(untrusted.requests()).isEmpty();
    }

    @Test
    void aWildcardCertificateCoversThePolicyHost() { // RFC 6125 §6.4.3
        var wildcard = started(PolicyHost.start(ca.issue(dir.resolve("wild"), "*.example.test")).serve(POLICY));
        dns.withAddresses(HOST, wildcard.ip());
        assertThat(fetcher(wildcard.port()).fetch("example.test")).isInstanceOf(Outcome.Fetched.class);
    }

    @Test
    void aRedirectIsNotFollowed() { // §3.3: "HTTP 3xx redirects MUST NOT be followed"
        host.answer(new PolicyHost.Answer(301, "text/plain", Map.of("Location", "https://" + HOST + ":" + host.port() + "/policy.txt"),
                new byte[0], false));
        Outcome.Failed f = failed();
        assertThat(f.failure()).isEqualTo(Failure.FETCH_ERROR);
        assertThat(f.reason()).contains("HTTP 301 (a redirect to https://" + HOST).contains("not followed");
        assertThat(host.requests()).as("one request: the redirect's target was not asked").hasSize(1);
    }

    @Test
    void onlyA200Counts() { // §3.3: "only valid if the HTTP response code is 200 (OK)"
        host.answer(new PolicyHost.Answer(203, "text/plain", Map.of(), POLICY.getBytes(StandardCharsets.UTF_8), false));
        assertThat(failed().reason()).contains("HTTP 203");
        host.answer(new PolicyHost.Answer(404, "text/plain", Map.of(), "not here".getBytes(StandardCharsets.UTF_8), false));
        assertThat(failed()).extracting(Outcome.Failed::failure).isEqualTo(Failure.FETCH_ERROR);
    }

    @Test
    void theMediaTypeMustBeTextPlain() { // §3.2
        host.answer(new PolicyHost.Answer(200, "text/html", Map.of(), POLICY.getBytes(StandardCharsets.UTF_8), false));
        Outcome.Failed f = failed();
        assertThat(f.failure()).isEqualTo(Failure.POLICY_INVALID);
        assertThat(f.reason()).contains("Content-Type text/html, not text/plain");
        host.answer(new PolicyHost.Answer(200, null, Map.of(), POLICY.getBytes(StandardCharsets.UTF_8), false));
        assertThat(failed().reason()).contains("Content-Type missing");
        host.answer(new PolicyHost.Answer(200, "Text/Plain; charset=utf-8", Map.of(), POLICY.getBytes(StandardCharsets.UTF_8), false));
        assertThat(fetch()).as("its parameters do not matter, nor case").isInstanceOf(Outcome.Fetched.class);
    }

    @Test
    void aPolicyOf64KiBIsReadAndALargerOneIsNot() { // §3.3: "a RECOMMENDED maximum policy size is 64 kilobytes"
        StringBuilder big = new StringBuilder(POLICY);
        while (big.length() < PolicyFetcher.MAX_POLICY - 100) big.append("padding: ").append("x".repeat(80)).append("\r\n");
        int rest = PolicyFetcher.MAX_POLICY - big.length() - "last: \r\n".length();
        big.append("last: ").append("y".repeat(rest)).append("\r\n");
        assertThat(big).hasSize(PolicyFetcher.MAX_POLICY);
        host.serve(big.toString());
        assertThat(fetch()).isInstanceOf(Outcome.Fetched.class);

        host.serve(big + "z");
        Outcome.Failed f = failed();
        assertThat(f.failure()).isEqualTo(Failure.POLICY_INVALID);
        assertThat(f.reason()).contains("Content-Length 65537, over the limit of 65536 octets");
        host.answer(new PolicyHost.Answer(200, "text/plain", Map.of(), (big + "z").getBytes(StandardCharsets.UTF_8), true));
        assertThat(failed().reason()).as("chunked: found while reading").contains("chunked body over the limit");
    }

    @Test
    void aBodyThatIsNoPolicyIsInvalid() {
        host.serve("<html>It works!</html>");
        Outcome.Failed f = failed();
        assertThat(f.failure()).isEqualTo(Failure.POLICY_INVALID);
        assertThat(f.reason()).endsWith("not a valid policy: line 1: not \"key: value\"");
        host.answer(new PolicyHost.Answer(200, "text/plain", Map.of(), new byte[] {'v', (byte) 0xff}, false));
        assertThat(failed().reason()).endsWith("the policy is not UTF-8");
    }

    @Test
    void aPolicyHostWithoutAddressOrDnsIsAFetchError() {
        dns.withAddresses(HOST, new AddressAnswer.NxDomain());
        assertThat(failed()).isEqualTo(new Outcome.Failed(Failure.FETCH_ERROR, HOST + " does not exist (NXDOMAIN)"));
        dns.withAddresses(HOST, new AddressAnswer.TempFail("SERVFAIL"));
        assertThat(failed()).isEqualTo(new Outcome.Failed(Failure.FETCH_ERROR, HOST + ": DNS: SERVFAIL"));
    }

    @Test
    void theNextAddressIsTriedWhenOneDoesNotAnswer() {
        String down = Loopback.host(); // nothing listens there: refused
        dns.withAddresses(HOST, down, host.ip());
        host.serve(POLICY);
        assertThat(fetch()).isInstanceOf(Outcome.Fetched.class).extracting(o -> ((Outcome.Fetched) o).source())
                .isEqualTo(HOST + "[" + host.ip() + "]:" + host.port());
        dns.withAddresses(HOST, down);
        assertThat(failed().reason()).startsWith(HOST + "[" + down + "]:" + host.port() + ": ").containsIgnoringCase("refused");
    }

    @Test
    void aHostThatAcceptsAndSaysNothingTimesOut() throws Exception {
        try (ServerSocket silent = new ServerSocket()) {
            silent.bind(new InetSocketAddress(Loopback.host(), 0));
            List<Socket> held = new CopyOnWriteArrayList<>();
            Thread.ofVirtual().start(() -> {
                try {
                    while (true) held.add(silent.accept()); // accepted, never answered
                } catch (IOException closed) {
                    // the test is over
                }
            });
            dns.withAddresses(HOST, silent.getInetAddress().getHostAddress());
            var quick = new PolicyFetcher(dns, new PolicyFetcher.Settings(silent.getLocalPort(), Duration.ofSeconds(30), Duration.ofMillis(300),
                    VerifiedTls.context(Optional.empty())));
            Outcome.Failed f = (Outcome.Failed) quick.fetch("example.test");
            assertThat(f.failure()).isEqualTo(Failure.FETCH_ERROR);
            assertThat(f.reason()).endsWith("timed out");
            for (Socket s : held) s.close();
        }
    }

    @Test
    void theRequestIsOneHttp11GetThatClosesTheConnection() {
        assertThat(PolicyFetcher.request("mta-sts.example.com", 443)).isEqualTo("""
                GET /.well-known/mta-sts.txt HTTP/1.1\r
                Host: mta-sts.example.com\r
                User-Agent: Facteur (MTA-STS)\r
                Accept: text/plain\r
                Connection: close\r
                \r
                """);
        assertThat(PolicyFetcher.request("mta-sts.example.com", 8443)).contains("Host: mta-sts.example.com:8443\r\n");
    }
}
