package dev.facteur.queue;

import dev.facteur.message.Body;
import dev.facteur.message.ClientInfo;
import dev.facteur.message.Envelope;
import dev.facteur.message.Mailbox;
import dev.facteur.message.Notify;
import dev.facteur.message.QueueId;
import dev.facteur.message.Recipient;
import dev.facteur.message.ReversePath;
import dev.facteur.spool.Spool;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;

/**
 * Puts a message that Facteur wrote itself, other than a DSN (a DMARC aggregate report), into the
 * spool: signed as DSNs are ({@link OwnMailSigner}), from {@code sender}, to one recipient with
 * NOTIFY=NEVER. Such mail is best effort and has nobody to tell: a DSN about it would go to an
 * address of ours that is there only to send.
 */
final class OwnMail {

    private final Spool spool;
    private final OwnMailSigner signer;
    private final String hostname;
    private final QueueId.Generator ids;
    private final Clock clock;

    OwnMail(Spool spool, OwnMailSigner signer, String hostname, QueueId.Generator ids, Clock clock) {
        this.spool = spool;
        this.signer = signer;
        this.hostname = hostname;
        this.ids = ids;
        this.clock = clock;
    }

    /** Writes and commits the message; its envelope, for scheduling. */
    Envelope write(Mailbox sender, Mailbox recipient, byte[] content) throws IOException {
        boolean eightBit = !isSevenBit(content);
        OwnMailSigner.Signed signed = signer.sign(out -> out.write(content), eightBit);
        QueueId id = ids.next();
        Envelope envelope = new Envelope(id, clock.instant(), ReversePath.of(sender),
                List.of(Recipient.pending(recipient, Notify.never(), null)), -1,
                eightBit && signed.sevenBit() == null ? Body.EIGHT_BIT_MIME : Body.SEVEN_BIT,
                sender.isInternationalized() || recipient.isInternationalized(), null, null,
                new ClientInfo("127.0.0.1", hostname, "local", ""));
        try (Spool.Draft d = spool.draft(id)) {
            for (String f : signed.fields()) d.content().write(f.getBytes(StandardCharsets.US_ASCII));
            d.content().write(signed.sevenBit() != null ? signed.sevenBit() : content);
            d.commit(envelope);
        }
        return envelope;
    }

    private static boolean isSevenBit(byte[] content) {
        for (byte b : content) if (b < 0) return false;
        return true;
    }
}
