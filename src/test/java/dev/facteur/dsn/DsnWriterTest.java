package dev.facteur.dsn;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.message.Body;
import dev.facteur.message.ClientInfo;
import dev.facteur.message.Envelope;
import dev.facteur.message.Mailbox;
import dev.facteur.message.Notify;
import dev.facteur.message.QueueId;
import dev.facteur.message.Recipient;
import dev.facteur.message.Ret;
import dev.facteur.message.ReversePath;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What the client and the remote server said stays inside the fields of the report that quote it. */
class DsnWriterTest {

    private static final Instant NOW = Instant.parse("2026-12-01T10:00:00Z");

    private static String report(String envid, String orcpt) throws IOException {
        var rcpt = new Recipient(new Mailbox("bob", "example.org"), Notify.DEFAULT, orcpt, Recipient.State.FAILED,
                "550 5.1.1 no such user\r\nX-Injected: from the remote server", "mx.example.org");
        var original = new Envelope(new QueueId.Generator().next(), NOW, ReversePath.of(new Mailbox("alice", "example.test")),
                List.of(rcpt), -1, Body.SEVEN_BIT, false, null, envid, new ClientInfo("192.0.2.1", "c.example", "ESMTP", ""));
        var out = new ByteArrayOutputStream();
        new DsnWriter("mx.facteur.test", ZoneOffset.UTC).write(new DsnReport(original, DsnAction.FAILED, List.of(rcpt), NOW, null),
                0, null, NOW, out);
        return out.toString(StandardCharsets.US_ASCII);
    }

    @Test
    void envidAndOrcptCannotAddFieldsToTheDeliveryStatus() throws IOException { // RFC 3464 §2.2.1, §2.3.1
        String dsn = report("q1\rX-Injected: envid", "rfc822;bob@example.org\nX-Injected: orcpt");
        assertThat(dsn.lines()).noneMatch(l -> l.startsWith("X-Injected:"));
        assertThat(dsn).contains("Original-Envelope-Id: q1?X-Injected: envid\r\n",
                "Original-Recipient: rfc822; bob@example.org?X-Injected: orcpt\r\n",
                "Diagnostic-Code: smtp; 550 5.1.1 no such user??X-Injected: from the remote server\r\n");
    }

    private static final String ORIGINAL = "From: alice@example.test\r\nSubject: the merger\r\n\r\nthe confidential body\r\n";

    /** The failure report about a message from alice, with this RET and REQUIRETLS or not, returning {@link #ORIGINAL}. */
    private static String failure(Ret ret, boolean requireTls) throws IOException {
        var rcpt = new Recipient(new Mailbox("bob", "example.org"), Notify.DEFAULT, null, Recipient.State.FAILED,
                "550 5.7.30 REQUIRETLS support required: mx.example.org[192.0.2.9]:25 does not offer REQUIRETLS (RFC 8689)", null);
        var original = new Envelope(new QueueId.Generator().next(), NOW, ReversePath.of(new Mailbox("alice", "example.test")),
                List.of(rcpt), -1, Body.SEVEN_BIT, false, ret, null, new ClientInfo("192.0.2.1", "c.example", "ESMTPS", "TLSv1.3"))
                .withRequireTls(requireTls);
        byte[] content = ORIGINAL.getBytes(StandardCharsets.US_ASCII);
        var out = new ByteArrayOutputStream();
        new DsnWriter("mx.facteur.test", ZoneOffset.UTC).write(new DsnReport(original, DsnAction.FAILED, List.of(rcpt), NOW, null),
                content.length, new ByteArrayInputStream(content), NOW, out);
        return out.toString(StandardCharsets.US_ASCII);
    }

    @Test
    void aReportAboutARequireTlsMessageReturnsItsHeaderOnlyWhateverRetSays() throws IOException { // RFC 8689 §5
        // "the server MUST behave as if RET=HDRS was present" and "the RET=FULL MUST be disregarded"
        for (Ret ret : new Ret[] {null, Ret.FULL, Ret.HDRS}) {
            String dsn = failure(ret, true);
            assertThat(dsn).as("RET=%s", ret).contains("Content-Type: text/rfc822-headers\r\n\r\nFrom: alice@example.test\r\nSubject: the merger\r\n")
                    .doesNotContain("message/rfc822").doesNotContain("the confidential body");
            assertThat(dsn).contains("Status: 5.7.30");
        }
        // the same message without REQUIRETLS is returned whole, as RFC 3461 §4.3 lets its sender ask
        assertThat(failure(Ret.FULL, false)).contains("Content-Type: message/rfc822").contains("the confidential body");
    }
}
