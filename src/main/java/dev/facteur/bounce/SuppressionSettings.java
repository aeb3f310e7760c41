package dev.facteur.bounce;

import dev.facteur.store.SuppressionStore;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * {@code [suppression]}: which addresses the suppression list takes, in which scope, and for how
 * long. An empty expiry is never.
 *
 * @param scope            whose mail an entry stops: the sender domain's whose mail bounced, or everyone's
 * @param hardBounceExpiry how long a hard bounce suppresses an address
 * @param complaintExpiry  how long a complaint does
 * @param softBounceLimit  soft bounces within {@code softBounceWindow} that suppress an address...
 * @param softBounceWindow ...
 * @param softBounceExpiry ...for this long
 */
public record SuppressionSettings(Scope scope, Optional<Duration> hardBounceExpiry, Optional<Duration> complaintExpiry,
        int softBounceLimit, Duration softBounceWindow, Optional<Duration> softBounceExpiry) {

    /** Whose mail an entry stops. */
    public enum Scope {
        /** The sender domain's whose mail bounced or drew the complaint: other senders' mail still goes. */
        SENDER_DOMAIN,
        /** Everyone's: what one sender domain learned spares the others. */
        GLOBAL
    }

    /**
     * Per sender domain; a hard bounce for a year (mailboxes that did not exist rarely come back,
     * but a domain that changed hands may open them again); a complaint never expires (someone
     * who called our mail spam has said enough); five soft bounces within a week suppress for a
     * week (a mailbox full for days is probably abandoned; it is tried again later).
     */
    public static final SuppressionSettings DEFAULT = new SuppressionSettings(Scope.SENDER_DOMAIN, Optional.of(Duration.ofDays(365)),
            Optional.empty(), 5, Duration.ofDays(7), Optional.of(Duration.ofDays(7)));

    public SuppressionSettings {
        for (Optional<Duration> expiry : List.of(hardBounceExpiry, complaintExpiry, softBounceExpiry))
            if (expiry.isPresent() && !expiry.get().isPositive()) throw new IllegalArgumentException("an expiry must be positive: " + expiry.get());
        if (softBounceLimit < 1 || softBounceLimit > SuppressionStore.MAX_SOFT_BOUNCES)
            throw new IllegalArgumentException("the soft bounce limit must be 1 to " + SuppressionStore.MAX_SOFT_BOUNCES + ": " + softBounceLimit);
        if (!softBounceWindow.isPositive()) throw new IllegalArgumentException("the soft bounce window must be positive: " + softBounceWindow);
    }
}
