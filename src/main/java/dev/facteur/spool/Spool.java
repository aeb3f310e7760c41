package dev.facteur.spool;

import dev.facteur.message.Envelope;
import dev.facteur.message.QueueId;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import java.util.Optional;

/**
 * Durable storage of queued messages. Implementations: {@link LogSpool} on local disk; a
 * shared backend for clusters comes later.
 */
public interface Spool extends AutoCloseable {

    /** Starts a new message; its content is streamed in, then {@link Draft#commit} makes it durable. */
    Draft draft(QueueId id) throws IOException;

    /** Every message in the spool, oldest first. */
    List<StoredMessage> messages();

    Optional<StoredMessage> find(QueueId id);

    /** The content as received, including our Received header. */
    InputStream openContent(QueueId id) throws IOException;

    /** Records new recipient states durably. */
    void update(Envelope envelope) throws IOException;

    /** Forgets a message for good (all recipients done). */
    void remove(QueueId id) throws IOException;

    @Override
    void close() throws IOException;

    interface Draft extends AutoCloseable {
        OutputStream content();

        /** Returns once the message is on disk. */
        StoredMessage commit(Envelope envelope) throws IOException;

        @Override
        void close();
    }
}
