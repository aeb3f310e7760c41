package dev.facteur.it.delivery;

import static dev.facteur.it.delivery.MailWorld.REMOTE_PORT;
import static dev.facteur.it.delivery.MailWorld.SENDER;
import static dev.facteur.it.delivery.MailWorld.newHost;
import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.dns.Tlsa;
import dev.facteur.message.Recipient;
import dev.facteur.server.Facteur;
import dev.facteur.testing.Knot;
import dev.facteur.testing.Closer;
import dev.facteur.testing.LogCapture;
import dev.facteur.testing.Patience;
import dev.facteur.testing.PrivateCa;
import dev.facteur.testing.StartTlsStripper;
import dev.facteur.testing.TestConfig;
import dev.facteur.tls.CertificateFiles;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * DANE (RFC 7672) from end to end: Knot DNS signs dane.test, whose MX hosts are receiving
 * Facteurs on loopback with STARTTLS, and publishes their TLSA records; the sending Facteur
 * validates DNSSEC itself from the zone's trust anchor ({@code [dns] dnssec = "validate"}).
 * <ul>
 * <li>dane.test: the receiver presents the key its "3 1 1" record names: delivered over TLS, "policy dane, certificate verified".</li>
 * <li>mismatch.dane.test: the receiver presents another key: the handshake fails, nothing is sent, the mail waits.</li>
 * <li>stripped.dane.test: a man in the middle takes STARTTLS out of the good receiver's EHLO reply: nothing is sent in plain text.</li>
 * <li>plain.test, unsigned, behind the same man in the middle: without DANE, opportunistic TLS is stripped and the mail goes in
 * plain text, which is the attack DANE stops.</li>
 * <li>bogus.dane.test: delegated with a DS that matches none of its keys: DNSSEC cannot say, so no host is tried and the mail waits.</li>
 * </ul>
 */
class DaneDeliveryIT {

    private static final List<String> GOOD_DOMAINS = List.of("dane.test", "stripped.dane.test", "plain.test", "bogus.dane.test");

    @TempDir
    Path dir;

    @RegisterExtension
    final Closer running = new Closer();

    private Facteur receiver(String host, String name, CertificateFiles.Pair cert, List<String> domains) throws Exception {
        Facteur f = TestConfig.in(dir.resolve("peer-" + name)).listen(host + ":" + REMOTE_PORT)
                .tables("[tls]\ncertificate = '%s'\nprivate_key = '%s'\n".formatted(cert.certificate(), cert.privateKey()))
                .tables("[local]\ndomains = [%s]\nusers = [\"bob\"]\n".formatted(String.join(", ", domains.stream().map(d -> "\"" + d + "\"").toList())))
                .start();
        running.add(f);
        return f;
    }

    private static X509Certificate leaf(CertificateFiles.Pair pair) throws Exception {
        try (InputStream in = Files.newInputStream(pair.certificate())) {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificates(in).iterator().next();
        }
    }

    private Facteur good;
    private Facteur impostor;
    private StartTlsStripper middle;
    private TestConfig config;

    /** The receivers, the man in the middle, Knot's zones, and the sending Facteur's configuration. */
    private void startWorld() throws Exception {
        PrivateCa ca = PrivateCa.create("Receiver Test CA");
        String goodHost = newHost(), impostorHost = newHost(), middleHost = newHost();
        CertificateFiles.Pair goodCert = ca.issue(dir.resolve("tls-good"), "mx.dane.test");
        good = receiver(goodHost, "good", goodCert, GOOD_DOMAINS);
        impostor = receiver(impostorHost, "impostor", ca.issue(dir.resolve("tls-impostor"), "mx.mismatch.dane.test"),
                List.of("mismatch.dane.test"));
        middle = StartTlsStripper.start(middleHost, REMOTE_PORT, new InetSocketAddress(goodHost, REMOTE_PORT));
        running.add(middle);
        String tlsa = "TLSA " + Tlsa.forCertificate(leaf(goodCert)); // the good receiver's key, and only it
        String port = "_" + REMOTE_PORT + "._tcp";
        Knot knot = Knot.start(
                Knot.Zone.signed("dane.test",
                        "@ MX 10 mx",
                        "mx A " + goodHost,
                        port + ".mx " + tlsa,
                        "mismatch MX 10 mx.mismatch",
                        "mx.mismatch A " + impostorHost,
                        port + ".mx.mismatch " + tlsa,
                        "stripped MX 10 mx.stripped",
                        "mx.stripped A " + middleHost,
                        port + ".mx.stripped " + tlsa,
                        "bogus DS 12345 13 2 " + "0123456789abcdef".repeat(4)),
                Knot.Zone.signed("bogus.dane.test",
                        "@ MX 10 mx",
                        "mx A " + goodHost,
                        port + ".mx " + tlsa),
                Knot.Zone.unsigned("plain.test",
                        "@ MX 10 mx",
                        "mx A " + middleHost));
        running.add(knot);
        Path anchors = knot.trustAnchors("dane.test");
        config = MailWorld.config(dir.resolve("sender"), "[local]\ndomains = [\"facteur.test\"]\n", knot.hostPort())
                .dnsKeys("dnssec = \"validate\"\ntrust_anchors = '%s'".formatted(anchors));
    }

    @Test
    void mailGoesOnlyOverTlsTheTlsaRecordsAuthenticateAndDnssecTroubleHoldsIt() throws Exception {
        startWorld();
        try (var log = LogCapture.attach("facteur.delivery"); Facteur sender = config.start()) {
            String id = MailWorld.submit(sender, SENDER, List.of("bob@dane.test", "bob@mismatch.dane.test", "bob@stripped.dane.test",
                    "bob@plain.test", "bob@bogus.dane.test"), "dane");

            var env = MailWorld.awaitEnvelope(sender, id, "two delivered, three tried and deferred",
                    e -> e.recipients().stream().filter(r -> r.state() == Recipient.State.DELIVERED).count() == 2
                            && e.recipients().stream().filter(r -> r.state() == Recipient.State.PENDING && r.diagnostic() != null).count() == 3);

            assertThat(log.messages()).anySatisfy(l -> assertThat(l).contains("to=<bob@dane.test>", "relay=mx.dane.test",
                    "(policy dane, certificate verified)", "status=sent"));
            assertThat(log.messages()).as("the downgrade DANE stops, where there is no DANE")
                    .anySatisfy(l -> assertThat(l).contains("to=<bob@plain.test>", "tls=none", "status=sent"));
            assertThat(diagnostic(env, "mismatch.dane.test")).contains("DANE");
            assertThat(diagnostic(env, "stripped.dane.test")).contains("TLS is required by the DANE TLSA records with mx.stripped.dane.test");
            assertThat(diagnostic(env, "bogus.dane.test")).contains("4.7.5", "bogus");
            assertThat(impostor.spool().messages()).as("the impostor got no mail").isEmpty();
            assertThat(middle.stripped()).isPositive();
            Patience.await("the good receiver's two messages").until(() -> good.spool().messages().size() == 2);
            assertThat(good.spool().messages()).allSatisfy(m -> assertThat(m.envelope().recipients()).extracting(r -> r.address().domainKey())
                    .isSubsetOf("dane.test", "plain.test"));
        }
    }

    private static String diagnostic(dev.facteur.message.Envelope env, String domain) {
        return env.recipients().stream().filter(r -> r.address().domainKey().equals(domain)).findFirst().orElseThrow().diagnostic();
    }

    /**
     * REQUIRETLS (RFC 8689) from a client (Python's smtplib, over STARTTLS) to the receiver: the
     * signed domain's MX host, authenticated by DANE and offering REQUIRETLS, gets the message
     * with the parameter; the unsigned domain's host is not proven, so its copy fails with 5.7.10
     * and nothing is sent there.
     */
    @Test
    void requireTlsMailGoesOnlyToAHostDnssecAndDaneProve() throws Exception {
        startWorld();
        CertificateFiles.Pair ours = PrivateCa.selfSigned(dir.resolve("tls-sender"), "mx.facteur.test");
        config.tables("[tls]\ncertificate = '%s'\nprivate_key = '%s'\n".formatted(ours.certificate(), ours.privateKey()));
        try (var log = LogCapture.attach("facteur.delivery"); Facteur sender = config.start()) {
            var at = sender.smtpAddresses().getFirst();
            String script = """
                    import smtplib, ssl, sys
                    s = smtplib.SMTP(sys.argv[1], int(sys.argv[2]))
                    s.starttls(context=ssl._create_unverified_context())
                    s.ehlo()
                    assert s.has_extn("requiretls"), s.esmtp_features
                    s.sendmail("alice@sender.test", ["bob@dane.test", "bob@plain.test"],
                               "From: alice@sender.test\\r\\nSubject: payslip\\r\\n\\r\\nconfidential\\r\\n", mail_options=["REQUIRETLS"])
                    s.quit()
                    """;
            Process p = new ProcessBuilder("python3", "-c", script, at.getHostString(), String.valueOf(at.getPort()))
                    .redirectErrorStream(true).start();
            String said = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            assertThat(p.waitFor()).as(said).isZero();

            Patience.await("the signed domain's copy, with REQUIRETLS").until(() -> good.spool().messages().size() == 1);
            assertThat(good.spool().messages().getFirst().envelope().requireTls()).isTrue();
            Patience.await("the DSN for the unsigned domain's copy").until(() -> !MailWorld.queuedBounces(sender).isEmpty());
            assertThat(MailWorld.queuedBounces(sender)).as("the DSN itself goes with REQUIRETLS (RFC 8689 §5)")
                    .allSatisfy(e -> assertThat(e.requireTls()).isTrue());
            assertThat(log.messages()).anySatisfy(l -> assertThat(l).contains("to=<bob@plain.test>", "status=bounced", "5.7.10",
                    "not signed (DNSSEC) and it has no MTA-STS policy"));
            assertThat(log.messages()).anySatisfy(l -> assertThat(l).contains("to=<bob@dane.test>", "(policy dane, certificate verified)",
                    "status=sent"));
            assertThat(middle.stripped()).as("nothing was sent towards the unsigned domain's host").isZero();
        }
    }
}
