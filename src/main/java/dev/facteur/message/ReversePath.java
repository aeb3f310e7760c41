package dev.facteur.message;

import java.util.Optional;

/** RFC 5321 Reverse-path: a mailbox, or the null path {@code <>} used by bounces (§4.5.5). */
public record ReversePath(Optional<Mailbox> mailbox) {

    public static final ReversePath NULL = new ReversePath(Optional.empty());

    public static ReversePath of(Mailbox m) {
        return new ReversePath(Optional.of(m));
    }

    public boolean isNull() {
        return mailbox.isEmpty();
    }

    /** The path as written between angle brackets in MAIL FROM, without the brackets. */
    @Override
    public String toString() {
        return mailbox.map(Mailbox::toString).orElse("");
    }
}
