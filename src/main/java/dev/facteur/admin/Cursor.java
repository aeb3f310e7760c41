package dev.facteur.admin;

import dev.facteur.message.QueueId;

/**
 * Where the next page of {@code /api/queue} starts: after the last message of the page before.
 * Queue ids sort by arrival and are never reused, so a page starts where the last one ended
 * whatever came and went in between: a message that stays is seen once, one that arrives later
 * comes at the end. The client treats it as an opaque string; it is the queue id, which keeps it
 * readable in a log.
 */
record Cursor(QueueId after) {

    /** @throws IllegalArgumentException when {@code text} is no cursor this server gave */
    static Cursor parse(String text) {
        try {
            return new Cursor(QueueId.parse(text));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("cursor: not one this server gave: " + text);
        }
    }

    String text() {
        return after.toString();
    }
}
