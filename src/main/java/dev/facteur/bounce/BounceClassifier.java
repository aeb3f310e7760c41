package dev.facteur.bounce;

import dev.facteur.dsn.DsnAction;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Says what a bounce means for one recipient ({@link BounceClass}) from what the report gives:
 * the action (RFC 3464 §2.3.3), the enhanced status code (RFC 3463), the SMTP reply code (RFC
 * 5321 §4.2) and the diagnostic text, trusted in that order:
 * <ol>
 * <li>delayed is soft, and delivered, relayed or expanded are no failure, whatever else is said;
 * <li>a null MX (RFC 7505) is hard, even when a relay reported it as transient: the domain says
 * it takes no mail, which no retry changes;
 * <li>a transient failure (status class 4, or a 4xx reply without a status) is soft, unless it
 * is a policy refusal (X.7.X, or words of policy) that does not say to try again;
 * <li>a status whose subject and detail mean something ({@link #forStatus}) decides;
 * <li>otherwise (X.0.0, X.1.0, ...) the words of the diagnostic ({@link Phrases}), then what the
 * subject alone says, then the reply code; failing all, undetermined.
 * </ol>
 * Two exceptions lean away from hard, the one class a sender cannot take back, since it stops
 * writing to the address. A status of a missing or disabled mailbox yields to words of another
 * class in the same reply ({@code 552 ... over quota (#5.1.1)}, {@code 553 5.1.3 ...
 * spamhaus.org}): a reply that contradicts itself is read the milder way. And words of a missing
 * user in a refusal of DATA are a filter's, not the mailbox's: the server took the recipient at
 * RCPT TO (RFC 5321 §3.3), which is where mailboxes are checked; Japanese mobile carriers answer
 * their users' sender filters so.
 */
public final class BounceClassifier {

    private BounceClassifier() {}

    public static BounceClass classify(DsnAction action, Optional<StatusCode> status, OptionalInt replyCode, String diagnostic) {
        return classify(action, status, replyCode, diagnostic, false);
    }

    /**
     * @param afterData the report says the reply answered DATA (or the end of the data), not RCPT TO
     */
    public static BounceClass classify(DsnAction action, Optional<StatusCode> status, OptionalInt replyCode, String diagnostic,
            boolean afterData) {
        switch (action) {
            case DELIVERED, RELAYED, EXPANDED -> {
                return BounceClass.NOT_A_FAILURE;
            }
            case DELAYED -> {
                return BounceClass.SOFT;
            }
            case FAILED -> {}
        }
        String text = diagnostic == null ? "" : diagnostic;
        if (Phrases.NULL_MX.matches(text)) return BounceClass.HARD;
        Optional<StatusCode> failure = status.filter(s -> !s.isSuccess()); // "failed" with a 2.X.X contradicts itself: the code goes
        Optional<BounceClass> words = Phrases.classOf(text);
        boolean transientReply = failure.map(StatusCode::isTransient)
                .orElse(replyCode.isPresent() && replyCode.getAsInt() >= 400 && replyCode.getAsInt() < 500);
        if (transientReply) {
            boolean policy = words.equals(Optional.of(BounceClass.POLICY))
                    || (failure.map(s -> s.subject() == 7).orElse(false) && !words.equals(Optional.of(BounceClass.SOFT)));
            return policy ? BounceClass.POLICY : BounceClass.SOFT;
        }
        Optional<BounceClass> byStatus = failure.flatMap(BounceClassifier::forStatus);
        if (byStatus.isPresent()) {
            if (byStatus.get() == BounceClass.HARD && words.isPresent() && words.get() != BounceClass.HARD) return words.get();
            return byStatus.get();
        }
        if (words.isPresent()) return words.get() == BounceClass.HARD && afterData ? BounceClass.POLICY : words.get();
        Optional<BounceClass> bySubject = failure.flatMap(BounceClassifier::forSubject);
        if (bySubject.isPresent()) return bySubject.get();
        return replyCode.isPresent() ? forReplyCode(replyCode.getAsInt()) : BounceClass.UNDETERMINED;
    }

    /**
     * RFC 3463 §3 for a permanent failure, where subject and detail are specific enough to decide;
     * empty for the "other" details (X.N.0) and for codes the RFC does not define, which are read
     * from their words.
     */
    static Optional<BounceClass> forStatus(StatusCode s) {
        BounceClass c = switch (s.subject()) {
            case 1 -> switch (s.detail()) {
                // bad mailbox, bad system, bad mailbox syntax, ambiguous, moved, null MX (RFC 7505 §4.2)
                case 1, 2, 3, 4, 6, 10 -> BounceClass.HARD;
                // the sender's address or its domain was refused: nothing against the recipient
                case 7, 8 -> BounceClass.POLICY;
                default -> null;
            };
            case 2 -> switch (s.detail()) {
                case 1 -> BounceClass.HARD; // mailbox disabled; 4.2.1 (disabled for now) is transient and soft
                case 2, 4 -> BounceClass.SOFT; // mailbox full; mailing list expansion problem
                case 3 -> BounceClass.TOO_LARGE; // message length exceeds administrative limit
                default -> null;
            };
            case 3 -> switch (s.detail()) {
                case 1, 2, 3, 5 -> BounceClass.SOFT; // system full, not accepting, lacks a feature, misconfigured
                case 4 -> BounceClass.TOO_LARGE; // message too big for system
                default -> null;
            };
            case 4 -> switch (s.detail()) {
                case 4 -> BounceClass.HARD; // unable to route: the domain has no mail host
                case 1, 2, 3, 5, 6, 7 -> BounceClass.SOFT; // no answer, bad connection, directory, congestion, loop, expired
                default -> null;
            };
            case 5 -> switch (s.detail()) {
                case 3 -> BounceClass.SOFT; // too many recipients: fewer per transaction will do
                // a protocol error says nothing about the address or the message
                case 1, 2, 4, 5, 6 -> BounceClass.UNDETERMINED;
                default -> null;
            };
            case 6 -> BounceClass.POLICY; // content the receiver will not take (media, conversion, UTF-8)
            case 7 -> BounceClass.POLICY; // security or policy, authentication included
            default -> null;
        };
        return Optional.ofNullable(c);
    }

    /** What the subject alone says when neither detail nor words tell more (RFC 3463 §3.4, §3.5: systems and networks). */
    private static Optional<BounceClass> forSubject(StatusCode s) {
        return switch (s.subject()) {
            case 3, 4 -> Optional.of(BounceClass.SOFT);
            case 6, 7 -> Optional.of(BounceClass.POLICY);
            default -> Optional.empty();
        };
    }

    /**
     * RFC 5321 §4.2.2 and RFC 7504 for a reply without a usable status or words: 551 says the user
     * is not here, 521 and 556 that the host or domain takes no mail. 550, 552, 553 and 554 are
     * used for too many different things to mean more than "failed".
     */
    static BounceClass forReplyCode(int code) {
        if (code >= 400 && code < 500) return BounceClass.SOFT;
        return switch (code) {
            case 551, 521, 556 -> BounceClass.HARD;
            default -> BounceClass.UNDETERMINED;
        };
    }
}
