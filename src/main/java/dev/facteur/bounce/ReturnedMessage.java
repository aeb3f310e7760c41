package dev.facteur.bounce;

import java.util.List;
import java.util.Optional;

/**
 * The message a report is about, as the report returns it: the whole message
 * ({@code message/rfc822}, RFC 6533 {@code message/global}) or its header only
 * ({@code text/rfc822-headers}, RFC 6522 §4; {@code message/global-headers}), or, in a bounce
 * that is no DSN, the header lines quoted in its text. Only the header is kept: it is what tells
 * a sender which message and recipient a report is about (Message-ID, To, a VERP Return-Path, a
 * Feedback-ID or an X- field of its own). Values are as written: UTF-8 where RFC 6532 allows it,
 * encoded words (RFC 2047) left encoded.
 *
 * @param header      the original's header fields; none when the report returned nothing
 * @param bodyIncluded whether the report returned the body too
 */
public record ReturnedMessage(ReportFields header, boolean bodyIncluded) {

    public static final ReturnedMessage NONE = new ReturnedMessage(ReportFields.NONE, false);

    public boolean isPresent() {
        return !header.isEmpty();
    }

    /** The first value of the field called {@code name}, e.g. {@code Feedback-ID}. */
    public Optional<String> field(String name) {
        return header.first(name);
    }

    /** Every value of the fields called {@code name}, e.g. {@code Received}. */
    public List<String> fields(String name) {
        return header.all(name);
    }

    public Optional<String> messageId() {
        return field("Message-ID");
    }

    public Optional<String> from() {
        return field("From");
    }

    public Optional<String> to() {
        return field("To");
    }

    public Optional<String> returnPath() {
        return field("Return-Path");
    }
}
