package dev.facteur.admin;

import dev.facteur.message.Envelope;
import dev.facteur.message.QueueId;
import dev.facteur.queue.QueueManager;
import dev.facteur.queue.QueueManager.CommandResult;
import java.util.Locale;
import java.util.Optional;

/**
 * The operator's commands on one queued message, {@code POST /api/queue/{id}/{command}} and in
 * bulk, with when each applies: the queue manager does what it is told, and this says first
 * whether the telling makes sense (a held message is released, not flushed), so that the API can
 * answer 409 rather than pretend.
 */
enum Command {
    FLUSH, HOLD, RELEASE, DELETE, BOUNCE;

    /** The command a path names; empty for any other word. */
    static Optional<Command> named(String word) {
        for (Command c : values()) if (c.word().equals(word)) return Optional.of(c);
        return Optional.empty();
    }

    String word() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Why the command does not apply to the message as it stands; null when it does. */
    String refusal(Envelope e) {
        boolean held = e.schedule().held();
        return switch (this) {
            case FLUSH -> held ? e.id() + ": held; release it first" : null;
            case HOLD -> held ? e.id() + ": already held" : null;
            case RELEASE -> held ? null : e.id() + ": not held";
            case DELETE, BOUNCE -> null;
        };
    }

    CommandResult apply(QueueManager queue, QueueId id) {
        return switch (this) {
            case FLUSH -> queue.flush(id);
            case HOLD -> queue.hold(id);
            case RELEASE -> queue.release(id);
            case DELETE -> queue.delete(id);
            case BOUNCE -> queue.bounce(id);
        };
    }
}
