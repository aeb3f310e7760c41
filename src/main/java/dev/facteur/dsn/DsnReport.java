package dev.facteur.dsn;

import dev.facteur.message.Envelope;
import dev.facteur.message.Recipient;
import java.time.Instant;
import java.util.List;

/**
 * What one DSN says: the original envelope, the action, and the recipients it is about.
 *
 * @param willRetryUntil for delayed reports, when Facteur gives up; otherwise null
 */
public record DsnReport(Envelope original, DsnAction action, List<Recipient> recipients, Instant lastAttempt, Instant willRetryUntil) {

    public DsnReport {
        recipients = List.copyOf(recipients);
    }
}
