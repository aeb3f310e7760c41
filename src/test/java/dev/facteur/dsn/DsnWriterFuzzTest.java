package dev.facteur.dsn;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.facteur.message.AddressSyntax;
import dev.facteur.message.Body;
import dev.facteur.message.ClientInfo;
import dev.facteur.message.Envelope;
import dev.facteur.message.Mailbox;
import dev.facteur.message.Notify;
import dev.facteur.message.QueueId;
import dev.facteur.message.Recipient;
import dev.facteur.message.ReversePath;
import dev.facteur.message.Ret;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

/**
 * A DSN carries what peers said: the client's ORCPT and ENVID (RFC 3461), the remote server's
 * reply and name. Whatever they said, the report stays well formed (RFC 3464 §2, RFC 6533):
 * CRLF line ends only, one {@code Field: value} per line in the delivery-status part, nothing
 * but US-ASCII unless it is a global report, and exactly the MIME boundaries Facteur wrote.
 */
class DsnWriterFuzzTest {

    private static final Instant NOW = Instant.parse("2026-12-01T10:00:00Z");

    @FuzzTest(maxDuration = "10m")
    void reportsStayWellFormedWhateverThePeersSaid(FuzzedDataProvider data) throws IOException {
        DsnAction action = data.pickValue(DsnAction.values());
        boolean smtpUtf8 = data.consumeBoolean();
        Ret ret = data.pickValue(new Ret[] {null, Ret.FULL, Ret.HDRS});
        List<Recipient> recipients = new ArrayList<>();
        int n = data.consumeInt(1, 3);
        for (int i = 0; i < n; i++) {
            Mailbox to = AddressSyntax.tryParseMailbox(data.consumeString(80), smtpUtf8).orElse(new Mailbox("bob", "example.org"));
            String orcpt = data.consumeBoolean() ? "rfc822;" + data.consumeString(80) : null;
            String diagnostic = data.consumeBoolean() ? data.consumeString(200) : null;
            String remoteMta = data.consumeBoolean() ? data.consumeString(80) : null;
            recipients.add(new Recipient(to, Notify.DEFAULT, orcpt, Recipient.State.FAILED, diagnostic, remoteMta));
        }
        String envid = data.consumeBoolean() ? data.consumeString(100) : null;
        Mailbox from = AddressSyntax.tryParseMailbox(data.consumeRemainingAsString(), smtpUtf8).orElse(new Mailbox("alice", "example.test"));
        QueueId id = new QueueId.Generator().next();
        var original = new Envelope(id, NOW, ReversePath.of(from), recipients, -1, Body.SEVEN_BIT, smtpUtf8, ret, envid,
                new ClientInfo("192.0.2.1", "client.example", "ESMTP", ""));
        var report = new DsnReport(original, action, recipients, NOW, action == DsnAction.DELAYED ? NOW.plusSeconds(3600) : null);

        var out = new ByteArrayOutputStream();
        new DsnWriter("mx.facteur.test", ZoneOffset.UTC).write(report, 0, null, NOW, out);
        byte[] dsn = out.toByteArray();

        boolean ascii = !DsnWriter.isGlobal(report);
        for (int i = 0; i < dsn.length; i++) { // plain checks: this loop runs for every byte of every input
            if (dsn[i] == '\r' && !(i + 1 < dsn.length && dsn[i + 1] == '\n')) throw new AssertionError("CR not before LF at " + i);
            if (dsn[i] == '\n' && !(i > 0 && dsn[i - 1] == '\r')) throw new AssertionError("LF not after CR at " + i);
            if (ascii && dsn[i] < 0) throw new AssertionError("8-bit byte in a US-ASCII report at " + i);
        }
        String text = new String(dsn, StandardCharsets.UTF_8);
        String boundary = "--" + id + "/mx.facteur.test";
        assertThat(text.split("\r\n" + boundary, -1)).as("three parts and the close").hasSize(5);
        String status = text.substring(text.indexOf("delivery-status\r\n\r\n") + "delivery-status\r\n\r\n".length());
        status = status.substring(0, status.indexOf("\r\n" + boundary));
        for (String line : status.split("\r\n", -1))
            assertThat(line).as("a delivery-status line").matches("(|[A-Za-z][A-Za-z0-9-]*: [^\r\n]*)");
    }
}
