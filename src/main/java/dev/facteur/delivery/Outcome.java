package dev.facteur.delivery;

import dev.facteur.smtp.Reply;

/** What happened to one recipient on one delivery attempt, and the reply that decided it. */
public sealed interface Outcome {

    Reply reply();

    record Delivered(Reply reply) implements Outcome {}

    /** A temporary failure (4xx, network trouble): try again later. */
    record Deferred(Reply reply) implements Outcome {}

    /** A permanent failure (5xx): the sender gets a DSN. */
    record Failed(Reply reply) implements Outcome {}

    /** Not tried: the message waits on hold until an operator releases it (transport map {@code hold}). */
    record Held(Reply reply) implements Outcome {}

    /**
     * Not tried, or tried and asked to slow down: traffic shaping holds the destination back
     * until {@code until}. Not an attempt: the message waits for the destination again, its
     * retry schedule untouched.
     */
    record Postponed(Reply reply, java.time.Instant until) implements Outcome {}

    static Outcome of(Reply r) {
        if (r.code() < 400) return new Delivered(r);
        if (r.code() < 500) return new Deferred(r);
        return new Failed(r);
    }
}
