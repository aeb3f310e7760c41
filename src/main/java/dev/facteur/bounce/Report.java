package dev.facteur.bounce;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** What an inbound message says about mail that was sent: the outcome of {@link ReportParser#parse}. */
public sealed interface Report {

    /**
     * A bounce: a delivery status notification (RFC 3464 in an RFC 6522 {@code multipart/report},
     * or RFC 6533's global kind), or a failure notice in some server's own words.
     *
     * @param reportingMta the MTA that wrote the report: {@code Reporting-MTA} without its type,
     *                     or for a bounce that is no DSN the domain of the mailer-daemon address it came from
     * @param recipients   the recipients it is about, in the report's order; empty when a failure
     *                     notice names none (the envelope recipient of the bounce, e.g. a VERP
     *                     address, may still tell)
     * @param returned     the original message's header, when the report returned it
     * @param standard     true when the recipients come from a {@code message/delivery-status} part;
     *                     false when they were read from text
     * @param perMessage   the per-message delivery-status fields (RFC 3464 §2.2), as written; none
     *                     for a bounce that is no DSN
     */
    record Bounce(Optional<String> reportingMta, List<BouncedRecipient> recipients, ReturnedMessage returned, boolean standard,
            ReportFields perMessage) implements Report {

        public Bounce {
            recipients = List.copyOf(recipients);
        }

        /** RFC 3464 §2.2.1 {@code Original-Envelope-Id}: the ENVID the sender gave (RFC 3461 §4.4). */
        public Optional<String> originalEnvelopeId() {
            return perMessage.first("Original-Envelope-Id");
        }

        /** RFC 3464 §2.2.5 {@code Arrival-Date}. */
        public Optional<Instant> arrivalDate() {
            return perMessage.first("Arrival-Date").flatMap(MailDates::parse);
        }
    }

    /**
     * A complaint: an RFC 5965 feedback report (an abuse report from a feedback loop, or an RFC
     * 6591 authentication failure report), or an unsubscribe request that a mail client sent in
     * its place ({@code standard} false; its feedback type is {@code opt-out}).
     *
     * @param original the reported message's header; with {@code Original-Rcpt-To} often redacted,
     *                 it is what tells whom the message was for (To, a VERP Return-Path, a Feedback-ID)
     */
    record Complaint(FeedbackReport feedback, ReturnedMessage original, boolean standard) implements Report {}

    /**
     * An automatic reply (RFC 3834): a vacation notice or another responder's answer. Never a
     * bounce: the message was delivered and someone's software answered it.
     *
     * @param evidence what showed it, e.g. {@code Auto-Submitted: auto-replied}
     * @param header   the reply's own header fields (From tells who is away)
     */
    record AutoReply(String evidence, ReportFields header) implements Report {}

    /** Anything else: a message written by a person, or one that could not be read as a report. */
    record NotAReport(String reason) implements Report {}
}
