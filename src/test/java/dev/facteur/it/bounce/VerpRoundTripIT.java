package dev.facteur.it.bounce;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.server.Facteur;
import dev.facteur.testing.Loopback;
import dev.facteur.testing.Patience;
import dev.facteur.testing.PrivatePostfix;
import dev.facteur.testing.TestConfig;
import dev.facteur.testing.WireClient;
import dev.facteur.testing.WireReply;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * The whole loop of a sender's bounce handling, with a real Postfix as the receiving side: our
 * application's message leaves with a VERP return path per recipient; Postfix takes it, finds
 * the mailboxes do not exist, and sends its own DSNs back to those return paths, which route to
 * our bounce domain; Facteur reads them, suppresses the addresses, and the next message to one
 * of them is refused at RCPT. The events say all of it. A feedback loop's complaint does the same
 * for another address, and a made-up VERP address is refused.
 */
class VerpRoundTripIT {

    private static final String BOUNCE_DOMAIN = "bounces.sender.test";

    @TempDir
    Path dir;

    private Facteur facteur;
    private PrivatePostfix postfix;
    private Path postfixDir;
    private final ObjectMapper json = new ObjectMapper();

    @AfterEach
    void stop() throws Exception {
        if (postfix != null) postfix.close();
        if (facteur != null) facteur.close();
        if (postfixDir != null) {
            try (var files = Files.walk(postfixDir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @Test
    void aBounceComesBackToItsVerpAddressSuppressesTheRecipientAndTheNextMessageIsRefused() throws Exception {
        String receiver = Loopback.host();
        facteur = start(Map.of("smarthost", "[" + receiver + "]:25", "retry_initial", "1s", "retry_max", "2s"));
        postfixDir = Files.createTempDirectory(Path.of("/tmp"), "facteur-postfix-");
        // the receiving side takes every recipient of receiver.test, then finds no such mailbox: a bounce after the fact
        postfix = PrivatePostfix.start(postfixDir, facteur.smtpAddresses().getFirst(), receiver, """
                transport_maps = inline:{ { receiver.test = error:5.1.1 Mailbox does not exist } }
                smtpd_reject_unlisted_recipient = no
                """);
        var smtp = facteur.smtpAddresses().getFirst();
        byte[] newsletter = """
                From: News <app@sender.test>
                To: subscribers:;
                Subject: This week
                Message-ID: <issue-1@sender.test>

                Hello.
                """.replace("\n", "\r\n").getBytes(StandardCharsets.US_ASCII);

        String id = WireClient.submit(smtp, "<app@sender.test>", List.of("<bob@receiver.test>", "<carol@receiver.test>"), newsletter);

        Path events = dir.resolve("data/events/events.log");
        Patience.await("both copies bounced back and read").until(() -> of(events, "bounced").size() == 2);
        String maillog = postfix.maillog();
        Matcher returnPaths = Pattern.compile("from=<(bounce\\+[^>]+@" + Pattern.quote(BOUNCE_DOMAIN) + ")>").matcher(maillog);
        assertThat(returnPaths.results().map(m -> m.group(1)).distinct().toList()).as("a return path per recipient, in Postfix's log")
                .hasSize(2).anySatisfy(p -> assertThat(p).contains("+bob=receiver.test@"))
                .anySatisfy(p -> assertThat(p).contains("+carol=receiver.test@"));
        assertThat(of(events, "delivered").stream().filter(e -> e.get("queue_id").asString().equals(id)))
                .as("both copies were taken by the receiver first").hasSize(2);
        assertThat(of(events, "delivered").stream().map(e -> e.get("diagnostic").asString()).filter(d -> d.contains("Bounce read: hard")))
                .as("each bounce was taken by the bounce domain's reader").hasSize(2);
        assertThat(of(events, "bounced")).extracting(e -> e.get("recipient").asString()).containsExactlyInAnyOrder("bob@receiver.test",
                "carol@receiver.test");
        assertThat(of(events, "bounced")).allSatisfy(e -> {
            assertThat(e.get("bounce_class").asString()).isEqualTo("hard");
            assertThat(e.get("sender_domain").asString()).isEqualTo("sender.test");
            assertThat(e.get("enhanced_status").asString()).isEqualTo("5.1.1");
            assertThat(e.get("details").get("report").asString()).isEqualTo("dsn");
            assertThat(e.get("details").get("message_id").asString()).isEqualTo("<issue-1@sender.test>");
        });

        // the operator sees the sender domain's reputation numbers
        JsonNode rates = admin("/suppression/rates?domain=sender.test").path("senders").get(0).path("windows").get(0);
        assertThat(rates.path("sent").asLong()).isEqualTo(2);
        assertThat(rates.path("hard_bounces").asLong()).isEqualTo(2);
        assertThat(rates.path("hard_bounce_rate").asDouble()).isEqualTo(1.0);

        // the next message to bob is refused at once, and the application hears of it
        try (WireClient c = WireClient.ready(smtp, "app.sender.test")) {
            c.expect(250, c.command("MAIL FROM:<app@sender.test>"));
            WireReply refused = c.command("RCPT TO:<bob@receiver.test>");
            assertThat(refused.code()).isEqualTo(550);
            assertThat(refused.text()).contains("5.7.1", "suppressed", "hard-bounce");
            c.expect(250, c.command("RCPT TO:<dave@receiver.test>"));
        }
        List<JsonNode> suppressed = of(events, "suppressed");
        assertThat(suppressed).hasSize(1);
        assertThat(suppressed.getFirst().get("recipient").asString()).isEqualTo("bob@receiver.test");
        assertThat(suppressed.getFirst().get("queue_id").isNull()).as("it never entered the queue").isTrue();
        // another sender's mail to bob still goes: the list is per sender domain
        try (WireClient c = WireClient.ready(smtp, "shop.example.test")) {
            c.expect(250, c.command("MAIL FROM:<orders@shop.test>"));
            c.expect(250, c.command("RCPT TO:<bob@receiver.test>"));
        }
    }

    @Test
    void aFeedbackLoopComplaintSuppressesTheAddressAndAForgedVerpAddressIsRefused() throws Exception {
        facteur = start(Map.of("retry_initial", "1s"));
        var smtp = facteur.smtpAddresses().getFirst();
        String isp = Loopback.host();

        try (WireClient c = WireClient.connectFrom(smtp, isp)) {
            c.expect(220, c.read());
            c.expect(250, c.command("EHLO fbl.isp.test"));
            c.expect(250, c.command("MAIL FROM:<>"));
            WireReply forged = c.command("RCPT TO:<bounce+123abcdefgh+bob=receiver.test@" + BOUNCE_DOMAIN + ">");
            assertThat(forged.code()).isEqualTo(550);
            assertThat(forged.text()).contains("5.1.1");
            assertThat(c.command("RCPT TO:<nobody@" + BOUNCE_DOMAIN + ">").code()).isEqualTo(550);
            c.expect(250, c.command("RCPT TO:<fbl@" + BOUNCE_DOMAIN + ">"));
            c.expect(354, c.command("DATA"));
            c.send(arf("erin@receiver.test"));
            c.expect(250, c.command("."));
        }

        Path events = dir.resolve("data/events/events.log");
        Patience.await("the complaint read").until(() -> of(events, "complained").size() == 1);
        JsonNode complaint = of(events, "complained").getFirst();
        assertThat(complaint.get("recipient").asString()).isEqualTo("erin@receiver.test");
        assertThat(complaint.get("sender_domain").asString()).isEqualTo("sender.test");
        assertThat(complaint.get("details").get("feedback_type").asString()).isEqualTo("abuse");
        try (WireClient c = WireClient.ready(smtp, "app.sender.test")) {
            c.expect(250, c.command("MAIL FROM:<app@sender.test>"));
            WireReply refused = c.command("RCPT TO:<erin@receiver.test>");
            assertThat(refused.code()).isEqualTo(550);
            assertThat(refused.text()).contains("complaint");
        }
    }

    @Test
    void aReceiverThatRefusesAtRcptSuppressesTheAddressWithoutAnyReport() throws Exception {
        String receiver = Loopback.host();
        facteur = start(Map.of("smarthost", "[" + receiver + "]:25", "retry_initial", "1s", "retry_max", "2s"));
        postfixDir = Files.createTempDirectory(Path.of("/tmp"), "facteur-postfix-");
        postfix = PrivatePostfix.start(postfixDir, facteur.smtpAddresses().getFirst(), receiver, """
                transport_maps = inline:{ { receiver.test = error:5.1.1 Mailbox does not exist } }
                """);
        var smtp = facteur.smtpAddresses().getFirst();

        WireClient.submit(smtp, "<app@sender.test>", List.of("<frank@receiver.test>"), "Subject: hi\r\n\r\nHello.\r\n".getBytes(StandardCharsets.US_ASCII));

        Path events = dir.resolve("data/events/events.log");
        Patience.await("the refusal").until(() -> of(events, "bounced").size() == 1);
        JsonNode bounced = of(events, "bounced").getFirst();
        assertThat(bounced.get("attempt").asInt()).as("our own attempt's outcome").isEqualTo(1);
        assertThat(bounced.get("bounce_class").asString()).isEqualTo("hard");
        try (WireClient c = WireClient.ready(smtp, "app.sender.test")) {
            c.expect(250, c.command("MAIL FROM:<app@sender.test>"));
            assertThat(c.command("RCPT TO:<frank@receiver.test>").code()).isEqualTo(550);
        }
        // an application using the HTTP API is told the same, recipient by recipient
        JsonNode answer = admin("POST", "/messages", """
                {"from": "app@sender.test", "to": ["frank@receiver.test", "grace@receiver.test"], "subject": "Again", "text": "Hello."}
                """);
        assertThat(answer.get("refused")).hasSize(1);
        assertThat(answer.get("refused").get(0).get("recipient").asString()).isEqualTo("frank@receiver.test");
        assertThat(answer.get("refused").get(0).get("reply").asString()).startsWith("550 5.7.1");
        assertThat(answer.get("messages").get(0).get("recipients").get(0).asString()).isEqualTo("grace@receiver.test");
    }

    /** A Facteur with a bounce domain, the suppression list on, events on, and 127.0.0.1 as its application's address. */
    private Facteur start(Map<String, String> delivery) throws IOException {
        return TestConfig.in(dir.resolve("data")).tables("""
                [relay]
                networks = ["127.0.0.1/32"]
                [local]
                domains = ["facteur.test"]
                [bounces]
                domain = "%s"
                [suppression]
                enabled = true
                [events]
                enabled = true
                """.formatted(BOUNCE_DOMAIN)).delivery(delivery).start();
    }

    private static byte[] arf(String complainer) {
        return """
                From: <fbl@isp.test>
                To: <fbl@bounces.sender.test>
                Subject: Abuse report
                MIME-Version: 1.0
                Content-Type: multipart/report; report-type=feedback-report; boundary="ARF"

                --ARF
                Content-Type: text/plain

                A user of ours called this message spam.

                --ARF
                Content-Type: message/feedback-report

                Feedback-Type: abuse
                User-Agent: isp-fbl/1.0
                Version: 1
                Original-Rcpt-To: %s

                --ARF
                Content-Type: text/rfc822-headers

                From: News <app@sender.test>
                To: %s
                Subject: This week

                --ARF--
                """.formatted(complainer, complainer).replace("\n", "\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    private JsonNode admin(String pathAndQuery) throws Exception {
        return admin("GET", pathAndQuery, null);
    }

    /** A request to the admin interface, with its token; {@code body} JSON, or null for none. */
    private JsonNode admin(String method, String pathAndQuery, String body) throws Exception {
        var address = facteur.adminAddress().orElseThrow();
        String token = dev.facteur.admin.TokenFile.clientToken(facteur.config().admin().tokenFile());
        try (var http = java.net.http.HttpClient.newHttpClient()) {
            var request = java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + address.getPort() + pathAndQuery))
                    .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                    .method(method, body == null ? java.net.http.HttpRequest.BodyPublishers.noBody()
                            : java.net.http.HttpRequest.BodyPublishers.ofString(body)).build();
            return json.readTree(http.send(request, java.net.http.HttpResponse.BodyHandlers.ofString()).body());
        }
    }

    private List<JsonNode> of(Path log, String type) throws IOException {
        if (!Files.exists(log)) return List.of();
        return Files.readAllLines(log).stream().filter(l -> !l.isBlank()).map(json::readTree).filter(e -> e.get("type").asString().equals(type))
                .toList();
    }
}
