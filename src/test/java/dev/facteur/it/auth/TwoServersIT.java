package dev.facteur.it.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.auth.arc.ArcResult;
import dev.facteur.auth.arc.ArcVerifier;
import dev.facteur.auth.dkim.DkimKeys;
import dev.facteur.dns.DnsJavaResolver;
import dev.facteur.server.Facteur;
import dev.facteur.testing.Dnsmasq;
import dev.facteur.testing.Loopback;
import dev.facteur.testing.Patience;
import dev.facteur.testing.SmtpSink;
import dev.facteur.testing.TestConfig;
import dev.facteur.testing.WireClient;
import dev.facteur.testing.WireReply;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two Facteurs on two loopback hosts and one DNS server that publishes SPF, DKIM and DMARC for
 * the sender's domain: mail from one to the other arrives with spf, dkim and dmarc passing in
 * the receiver's Authentication-Results; mail that forges the sender's From from another host,
 * without a signature, is refused as the domain's {@code p=reject} asks; a forged
 * Authentication-Results claiming the receiver's name does not survive.
 *
 * <p>The sending Facteur connects from 127.0.0.1 (outgoing connections are not bound to its
 * listening address); the sender's SPF record lists that address, and the receiver trusts no
 * loopback network, so it judges the sender as it would judge any server on the Internet.
 */
class TwoServersIT {

    private static final int PORT = 2526;
    private static final String SENDER_DOMAIN = "a.test";
    private static final String RECEIVER_DOMAIN = "b.test";

    @TempDir
    static Path dir;

    private static final String FORWARD_DOMAIN = "c.test";

    private static Dnsmasq dns;
    private static Facteur sender, receiver;
    private static SmtpSink forwardedTo;

    @BeforeAll
    static void start() throws Exception {
        String senderHost = Loopback.host(), receiverHost = Loopback.host(), forwardHost = Loopback.host();
        Files.createDirectories(dir.resolve("receiver"));
        Files.writeString(dir.resolve("aliases"), "fwd@" + RECEIVER_DOMAIN + ": carol@" + FORWARD_DOMAIN + "\n");
        KeyPair key = DkimKeys.generate("ed25519", 0);
        DkimKeys.writePrivateKey(key, dir.resolve("a.test.key"));
        KeyPair sealKey = DkimKeys.generate("rsa", 2048);
        DkimKeys.writePrivateKey(sealKey, dir.resolve("b.test.key"));
        dns = Dnsmasq.start(List.of("local=/test/",
                "txt-record=" + SENDER_DOMAIN + ",\"v=spf1 ip4:127.0.0.1 -all\"",
                "txt-record=_dmarc." + SENDER_DOMAIN + ",\"v=DMARC1; p=reject\"",
                "txt-record=ed2026._domainkey." + SENDER_DOMAIN + ",\"" + DkimKeys.record(key) + "\"",
                "host-record=mx." + SENDER_DOMAIN + ",127.0.0.1",
                "mx-host=" + RECEIVER_DOMAIN + ",mx." + RECEIVER_DOMAIN + ",10",
                "host-record=mx." + RECEIVER_DOMAIN + "," + receiverHost,
                "txt-record=arc._domainkey." + RECEIVER_DOMAIN + "," + String.join(",", DkimKeys.strings(DkimKeys.record(sealKey))),
                "mx-host=" + FORWARD_DOMAIN + ",mx." + FORWARD_DOMAIN + ",10",
                "host-record=mx." + FORWARD_DOMAIN + "," + forwardHost));
        forwardedTo = SmtpSink.start(forwardHost, PORT);
        receiver = TestConfig.in(dir.resolve("receiver")).hostname("mx." + RECEIVER_DOMAIN).listen(receiverHost + ":" + PORT)
                .dns(dns.hostPort()).delivery(Map.of("retry_initial", "1s", "retry_max", "2s")).tables("""
                        [relay]
                        networks = ["192.0.2.0/24"]
                        [local]
                        domains = ["%s"]
                        users = ["bob"]
                        aliases_file = "%s"
                        [policy]
                        checks = ["spf", "dkim", "arc", "dmarc"]
                        [[dkim.keys]]
                        domain = "%s"
                        selector = "arc"
                        private_key = "%s"
                        """.formatted(RECEIVER_DOMAIN, dir.resolve("aliases"), RECEIVER_DOMAIN, dir.resolve("b.test.key")))
                .delivery("remote_port = " + PORT).start();
        sender = TestConfig.in(dir.resolve("sender")).hostname("mx." + SENDER_DOMAIN).listen(senderHost + ":" + PORT)
                .dns(dns.hostPort()).delivery(Map.of("retry_initial", "1s", "retry_max", "2s")).delivery("remote_port = " + PORT)
                .tables("""
                        [relay]
                        networks = ["127.0.0.0/8"]
                        [[dkim.keys]]
                        domain = "%s"
                        selector = "ed2026"
                        private_key = "%s"
                        """.formatted(SENDER_DOMAIN, dir.resolve("a.test.key"))).start();
    }

    @AfterAll
    static void stop() throws Exception {
        for (AutoCloseable c : new AutoCloseable[] {sender, receiver, forwardedTo, dns}) if (c != null) c.close();
    }

    private static byte[] message(String from, String subject, String... extraHeaders) {
        return ("From: <" + from + ">\r\nTo: <bob@" + RECEIVER_DOMAIN + ">\r\nSubject: " + subject + "\r\n" + String.join("", extraHeaders)
                + "Message-ID: <" + subject.replace(' ', '-') + "@" + SENDER_DOMAIN + ">\r\n\r\nHello Bob.\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    /** Bob's delivered messages whose Subject is {@code subject}, raw. */
    private static List<String> delivered(String subject) throws IOException {
        Path maildir = dir.resolve("receiver/mail/" + RECEIVER_DOMAIN + "/bob/new");
        if (!Files.isDirectory(maildir)) return List.of();
        List<String> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(maildir)) {
            for (Path f : files.toList()) {
                String m = Files.readString(f, StandardCharsets.ISO_8859_1);
                if (m.contains("Subject: " + subject + "\r\n") || m.contains("Subject: " + subject + "\n")) out.add(m);
            }
        }
        return out;
    }

    private static String awaitDelivered(String subject) {
        return Patience.await("bob receives " + subject).until(() -> delivered(subject), l -> !l.isEmpty()).getFirst();
    }

    /** The receiver's Authentication-Results field, unfolded. */
    private static String authenticationResults(String message) {
        String header = message.substring(0, message.indexOf("\n\n") > 0 && !message.contains("\r\n\r\n") ? message.indexOf("\n\n")
                : message.indexOf("\r\n\r\n"));
        String unfolded = header.replaceAll("\r?\n[ \t]+", " ");
        return Arrays.stream(unfolded.split("\r?\n")).filter(l -> l.startsWith("Authentication-Results: mx." + RECEIVER_DOMAIN))
                .reduce((a, b) -> a + "\n" + b).orElse("");
    }

    @Test
    void mail_from_one_server_to_the_other_passes_spf_dkim_and_dmarc() throws Exception {
        WireClient.submit(sender.smtpAddresses().getFirst(), "<alice@" + SENDER_DOMAIN + ">", List.of("<bob@" + RECEIVER_DOMAIN + ">"),
                message("alice@" + SENDER_DOMAIN, "genuine"));
        String m = awaitDelivered("genuine");
        assertThat(authenticationResults(m)).contains("spf=pass smtp.mailfrom=" + SENDER_DOMAIN)
                .contains("dkim=pass header.d=" + SENDER_DOMAIN).contains("header.s=ed2026")
                .contains("dmarc=pass (p=reject dis=none) header.from=" + SENDER_DOMAIN);
        assertThat(m).contains("Received-SPF: pass");
    }

    @Test
    void a_forged_from_sent_by_another_host_without_a_signature_is_refused_per_p_reject() throws Exception {
        try (WireClient c = WireClient.connectFrom(receiver.smtpAddresses().getFirst(), Loopback.host())) {
            c.expect(220, c.read());
            c.expect(250, c.command("EHLO forger.example"));
            c.expect(250, c.command("MAIL FROM:<ceo@" + SENDER_DOMAIN + ">"));
            c.expect(250, c.command("RCPT TO:<bob@" + RECEIVER_DOMAIN + ">"));
            c.expect(354, c.command("DATA"));
            c.send(message("ceo@" + SENDER_DOMAIN, "forged"));
            WireReply r = c.command(".");
            assertThat(r.code()).as(r.toString()).isEqualTo(550);
            assertThat(r.text()).contains("5.7.1", "DMARC");
        }
        assertThat(delivered("forged")).isEmpty();
    }

    @Test
    void an_authentication_results_field_claiming_the_receivers_name_is_removed() throws Exception {
        WireClient.submit(sender.smtpAddresses().getFirst(), "<alice@" + SENDER_DOMAIN + ">", List.of("<bob@" + RECEIVER_DOMAIN + ">"),
                message("alice@" + SENDER_DOMAIN, "claims", "Authentication-Results: mx." + RECEIVER_DOMAIN + "; dkim=pass header.d=bank.test\r\n"));
        String m = awaitDelivered("claims");
        assertThat(m).doesNotContain("bank.test");
        assertThat(authenticationResults(m).lines()).hasSize(1);
    }

    @Test
    void mail_forwarded_off_site_by_an_alias_is_arc_sealed_and_leaves_with_an_srs_sender_whose_bounces_come_back() throws Exception {
        WireClient.submit(sender.smtpAddresses().getFirst(), "<alice@" + SENDER_DOMAIN + ">", List.of("<fwd@" + RECEIVER_DOMAIN + ">"),
                message("alice@" + SENDER_DOMAIN, "forwarded"));
        String received = Patience.await("carol receives the forwarded message").until(forwardedTo::messages,
                l -> l.stream().anyMatch(m -> m.contains("Subject: forwarded"))).stream().filter(m -> m.contains("Subject: forwarded"))
                .findFirst().orElseThrow();
        // sealed by the forwarder, with what it found on arrival; the chain verifies at the next hop
        assertThat(received).contains("ARC-Seal: ").contains("cv=none").containsPattern("ARC-Authentication-Results: i=1; mx.b.test;[\\s\\S]*spf=pass[\\s\\S]*dkim=pass[\\s\\S]*dmarc=pass");
        String message = received.substring(received.indexOf("ARC-Seal:")).replace("\r\n", "\n").replace("\n", "\r\n");
        ArcResult chain = new ArcVerifier(new DnsJavaResolver(List.of(dns.hostPort()), java.time.Duration.ofSeconds(5), 1),
                java.time.Clock.systemUTC()).verify(new java.io.ByteArrayInputStream(message.getBytes(StandardCharsets.ISO_8859_1)));
        assertThat(chain).as(chain.methodResult()).isInstanceOf(ArcResult.Pass.class);
        assertThat(((ArcResult.Pass) chain).sealers()).containsExactly(RECEIVER_DOMAIN);
        var srs = java.util.regex.Pattern.compile("X-Mail-Args: <(SRS0=[^=]+=[^=]+=" + SENDER_DOMAIN + "=alice@mx." + RECEIVER_DOMAIN + ")>")
                .matcher(received);
        assertThat(srs.find()).as(received).isTrue();
        try (WireClient c = WireClient.ready(receiver.smtpAddresses().getFirst(), "mx." + FORWARD_DOMAIN)) {
            c.expect(250, c.command("MAIL FROM:<>"));
            assertThat(c.command("RCPT TO:<" + srs.group(1) + ">").code()).as("the bounce comes back").isEqualTo(250);
            String forged = srs.group(1).replaceFirst("SRS0=....", "SRS0=AAAA");
            WireReply r = c.command("RCPT TO:<" + forged + ">");
            assertThat(r.code()).as("a made-up SRS address: " + r).isEqualTo(550);
            assertThat(r.text()).contains("5.1.1");
        }
    }
}
