package dev.facteur.spool;

import dev.facteur.message.Envelope;
import dev.facteur.message.QueueId;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Durable storage of queued messages. Implementations: {@link LogSpool} on local disk; a
 * shared backend for clusters comes later.
 *
 * <p>Every method that writes throws {@link SpoolFullException} when the disk is full, and any
 * other {@link IOException} when a write fails otherwise; either way nothing of that write is
 * kept, and the spool takes writes again once the cause is gone.
 */
public interface Spool extends AutoCloseable {

    /** Starts a new message; its content is streamed in, then {@link Draft#commit} makes it durable. */
    Draft draft(QueueId id) throws IOException;

    /** Every message in the spool, oldest first. */
    List<StoredMessage> messages();

    /**
     * The messages after {@code after} (null: from the first), oldest first, read as the stream is
     * consumed: a page of the queue costs what the page holds, not what the queue holds. Messages
     * added or removed while it is read may or may not be seen; none is seen twice.
     */
    default Stream<StoredMessage> messagesAfter(QueueId after) {
        return messages().stream().filter(m -> after == null || m.envelope().id().compareTo(after) > 0);
    }

    Optional<StoredMessage> find(QueueId id);

    /** The content as received, including our Received header. */
    InputStream openContent(QueueId id) throws IOException;

    /** Records new recipient states durably. */
    void update(Envelope envelope) throws IOException;

    /** Forgets a message for good (all recipients done). */
    void remove(QueueId id) throws IOException;

    /**
     * Makes several changes durable as one: after a crash either all of them are in the spool or
     * none is. For a DSN and the new state of the message it reports on, which must not part: a
     * crash between the two would send the DSN again or deliver the message again. Changes apply
     * in order. An {@link Change.Update} of a message not in the spool refuses the whole commit; a
     * {@link Change.Remove} of one not in the spool is no change. If this throws, none of the
     * changes is made and the drafts added are finished (their content is not kept).
     */
    void commit(List<Change> changes) throws IOException;

    /** One step of {@link #commit(List)}. */
    sealed interface Change {
        /** A new message: a draft whose content is complete, and its envelope. */
        record Add(Draft draft, Envelope envelope) implements Change {}

        /** New recipient states or schedule for a message in the spool. */
        record Update(Envelope envelope) implements Change {}

        /** A message whose recipients are all done. */
        record Remove(QueueId id) implements Change {}
    }

    @Override
    void close() throws IOException;

    interface Draft extends AutoCloseable {
        /** Where the content goes; its writes throw {@link SpoolFullException} when a large one finds the disk full. */
        OutputStream content();

        /** The content written so far, to read again before writing more (checks and filters that need the body). */
        InputStream written() throws IOException;

        /** Returns once the message is on disk; if it throws, nothing of the message is kept. */
        StoredMessage commit(Envelope envelope) throws IOException;

        @Override
        void close();
    }
}
