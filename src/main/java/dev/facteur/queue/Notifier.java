package dev.facteur.queue;

import dev.facteur.dsn.DsnReport;
import dev.facteur.dsn.DsnWriter;
import dev.facteur.message.Body;
import dev.facteur.message.ClientInfo;
import dev.facteur.message.Envelope;
import dev.facteur.message.Mailbox;
import dev.facteur.message.Notify;
import dev.facteur.message.QueueId;
import dev.facteur.message.Recipient;
import dev.facteur.message.ReversePath;
import dev.facteur.message.Schedule;
import dev.facteur.spool.Spool;
import dev.facteur.spool.StoredMessage;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.List;

/**
 * Writes a DSN as a new message from {@code <>} to the original sender (RFC 3461 §6.2), with
 * NOTIFY=NEVER so that it can never cause another DSN. It only prepares the draft: the caller
 * commits it together with the original message's new state, so the two cannot part in a crash.
 */
final class Notifier {

    private final Spool spool;
    private final DsnWriter writer;
    private final OwnMailSigner signer;
    private final String hostname;
    private final QueueId.Generator ids;
    private final Clock clock;

    Notifier(Spool spool, DsnWriter writer, OwnMailSigner signer, String hostname, QueueId.Generator ids, Clock clock) {
        this.spool = spool;
        this.signer = signer;
        this.writer = writer;
        this.hostname = hostname;
        this.ids = ids;
        this.clock = clock;
    }

    /** The DSN, written into a draft, and its envelope: for {@link Spool#commit}; the caller closes the draft. */
    Spool.Change.Add prepare(DsnReport report) throws IOException {
        Envelope e = report.original();
        Mailbox to = e.sender().mailbox().orElseThrow();
        long size = spool.find(e.id()).map(StoredMessage::size).orElse(0L);
        QueueId id = ids.next();
        boolean global = DsnWriter.isGlobal(report); // UTF-8 in the report itself
        boolean eightBit = global || e.body() != Body.SEVEN_BIT; // the returned original may be 8-bit
        Instant now = clock.instant();
        OwnMailSigner.Message dsn = out -> {
            try (InputStream original = new BufferedInputStream(spool.openContent(e.id()), 65536)) {
                writer.write(report, size, original, now, out);
            }
        };
        OwnMailSigner.Signed signed = signer.sign(dsn, eightBit);
        if (signed.sevenBit() != null) eightBit = false;
        Spool.Draft d = spool.draft(id);
        try {
            for (String f : signed.fields()) d.content().write(f.getBytes(StandardCharsets.US_ASCII));
            if (signed.sevenBit() != null) d.content().write(signed.sevenBit());
            else dsn.writeTo(d.content());
        } catch (IOException | RuntimeException ex) {
            d.close();
            throw ex;
        }
        // RFC 8689 §5: a report holds the original's header, so it "MUST be protected in the same manner as the
        // original message" and goes with REQUIRETLS too (from <>, it is not discarded where that cannot be had)
        return new Spool.Change.Add(d, new Envelope(id, clock.instant(), ReversePath.NULL,
                List.of(Recipient.pending(to, Notify.never(), null)), -1, eightBit ? Body.EIGHT_BIT_MIME : Body.SEVEN_BIT,
                to.isInternationalized(), null, null, new ClientInfo("127.0.0.1", hostname, "local", ""), Schedule.NEW,
                e.requireTls()));
    }
}
