package dev.facteur.bounce;

import dev.facteur.dsn.DsnAction;
import java.time.Instant;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * What a bounce says about one recipient: the per-recipient fields of RFC 3464 §2.3 when the
 * bounce is a DSN, or what could be read from its text when it is not.
 *
 * @param address           the recipient's address: {@code Final-Recipient} without its type
 *                          ({@code rfc822;}, or RFC 6533 {@code utf-8;} with {@code \x{...}} undone),
 *                          else {@code Original-Recipient}, else the address found in the text
 * @param originalRecipient {@code Original-Recipient} without its type, as the sender gave it (ORCPT)
 * @param action            {@code Action}; failed when absent, which is what a bounce is
 * @param status            {@code Status}, or the code in the diagnostic when the field is missing
 *                          or says only {@code X.0.0}
 * @param replyCode         the SMTP reply code of the diagnostic, e.g. 550
 * @param diagnostic        {@code Diagnostic-Code} without its type, or the lines of the text that
 *                          say why; empty when nothing does
 * @param remoteMta         {@code Remote-MTA} without its type, or the host named in the text
 * @param lastAttempt       {@code Last-Attempt-Date}
 * @param bounceClass       what it means for the address (see {@link BounceClassifier})
 * @param fields            every field of the recipient's group, as written; none for a bounce that is no DSN
 */
public record BouncedRecipient(String address, Optional<String> originalRecipient, DsnAction action, Optional<StatusCode> status,
        OptionalInt replyCode, String diagnostic, Optional<String> remoteMta, Optional<Instant> lastAttempt, BounceClass bounceClass,
        ReportFields fields) {}
