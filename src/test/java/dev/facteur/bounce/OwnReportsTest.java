package dev.facteur.bounce;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.bounce.Report.Bounce;
import dev.facteur.dsn.DsnAction;
import dev.facteur.dsn.DsnReport;
import dev.facteur.dsn.DsnWriter;
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

/**
 * The reports Facteur's own {@link DsnWriter} sends read back as what they say: the same
 * recipients, actions, codes and returned header. Facteur's DSNs carry {@code Auto-Submitted:
 * auto-replied} (RFC 3834 §5), as many servers' do, and are bounces all the same.
 */
class OwnReportsTest {

    private static final Instant NOW = Instant.parse("2026-12-01T10:00:00Z");

    private static Bounce written(DsnAction action, boolean smtpUtf8, Recipient... recipients) throws IOException {
        var original = new Envelope(new QueueId.Generator().next(), NOW, ReversePath.of(new Mailbox("bounces+alice", "example.test")),
                List.of(recipients), -1, Body.SEVEN_BIT, smtpUtf8, Ret.HDRS, "ENV42", new ClientInfo("192.0.2.1", "c.example", "ESMTP", ""));
        byte[] content = "Message-ID: <m@example.test>\r\nFeedback-ID: 7:news:example.test\r\nSubject: hi\r\n\r\nbody\r\n"
                .getBytes(StandardCharsets.UTF_8);
        var out = new ByteArrayOutputStream();
        new DsnWriter("mx.facteur.test", ZoneOffset.UTC).write(new DsnReport(original, action, List.of(recipients), NOW,
                action == DsnAction.DELAYED ? NOW.plusSeconds(86_400) : null), content.length, new ByteArrayInputStream(content), NOW, out);
        Report r = ReportParser.read(out.toByteArray(), ReportLimits.DEFAULT, 0);
        assertThat(r).isInstanceOf(Bounce.class);
        return (Bounce) r;
    }

    private static Recipient failed(String local, String domain, String reply) {
        return new Recipient(new Mailbox(local, domain), Notify.DEFAULT, "rfc822;" + local + "@" + domain, Recipient.State.FAILED, reply,
                "mx." + domain);
    }

    @Test
    void aFailureReportReadsBackRecipientByRecipient() throws IOException {
        Bounce b = written(DsnAction.FAILED, false, failed("bob", "example.org", "550 5.1.1 no such user"),
                failed("carol", "example.net", "552 5.2.2 mailbox full"));
        assertThat(b.standard()).isTrue();
        assertThat(b.reportingMta()).contains("mx.facteur.test");
        assertThat(b.originalEnvelopeId()).contains("ENV42");
        assertThat(b.arrivalDate()).contains(NOW);
        assertThat(b.recipients()).extracting(BouncedRecipient::address).containsExactly("bob@example.org", "carol@example.net");
        assertThat(b.recipients()).extracting(r -> r.status().orElseThrow().toString()).containsExactly("5.1.1", "5.2.2");
        assertThat(b.recipients()).extracting(BouncedRecipient::bounceClass).containsExactly(BounceClass.HARD, BounceClass.SOFT);
        assertThat(b.recipients()).extracting(BouncedRecipient::diagnostic).containsExactly("550 5.1.1 no such user", "552 5.2.2 mailbox full");
        assertThat(b.recipients().getFirst().remoteMta()).contains("mx.example.org");
        assertThat(b.recipients().getFirst().originalRecipient()).contains("bob@example.org");
        assertThat(b.returned().messageId()).contains("<m@example.test>");
        assertThat(b.returned().field("Feedback-ID")).contains("7:news:example.test");
    }

    @Test
    void aDelayReportIsSoft() throws IOException {
        Bounce b = written(DsnAction.DELAYED, false, failed("bob", "example.org", "451 4.7.1 greylisted"));
        assertThat(b.recipients()).singleElement().satisfies(r -> {
            assertThat(r.action()).isEqualTo(DsnAction.DELAYED);
            assertThat(r.bounceClass()).isEqualTo(BounceClass.SOFT);
        });
    }

    @Test
    void aGlobalReportReadsBackItsUtf8Addresses() throws IOException { // RFC 6533
        Bounce b = written(DsnAction.FAILED, true, failed("jürgen", "bücher.example", "550 5.1.1 unknown"));
        assertThat(b.recipients()).singleElement().satisfies(r -> {
            assertThat(r.address()).isEqualTo("jürgen@bücher.example");
            assertThat(r.bounceClass()).isEqualTo(BounceClass.HARD);
        });
    }
}
