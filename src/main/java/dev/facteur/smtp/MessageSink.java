package dev.facteur.smtp;

import dev.facteur.message.Envelope;
import dev.facteur.message.QueueId;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * Where the server puts messages. It decides how they are stored; the server only needs commit to be durable.
 * A failure to store is an {@link IOException}: {@link InsufficientStorage} when there is no room
 * (the client is told {@code 452 4.3.1}), any other for a fault (told {@code 451 4.3.0}). Either
 * way the server reads the content to its end before it answers.
 */
public interface MessageSink {

    /** Starts receiving one message's content; nothing is kept unless the draft is committed. */
    Draft open(QueueId id) throws IOException;

    /**
     * Whether there is room now for a message of {@code size} bytes (0 when the client declared
     * no SIZE), asked at MAIL: false is answered {@code 452 4.3.1} (RFC 1870 §6.1, RFC 5321
     * §4.5.3.1.9), before the client sends anything that could not be kept. Cheap enough to ask
     * once per transaction. By default there is always room.
     */
    default boolean hasRoomFor(long size) {
        return true;
    }

    interface Draft extends AutoCloseable {
        OutputStream content();

        /**
         * The content written so far, to read again before writing more: for a gate that reads the
         * message at its end (a mail filter), from the draft itself rather than a second copy.
         */
        InputStream written() throws IOException;

        /** Stores the message; when this returns, it survives a crash (the 250 may be sent). */
        void commit(Envelope envelope) throws IOException;

        /**
         * Stores the message as {@link #commit(Envelope)} does, told who handed it over beyond
         * what the envelope keeps: for the delivery history. By default that is not kept.
         */
        default void commit(Envelope envelope, Origin origin) throws IOException {
            commit(envelope);
        }

        /** Forgets an uncommitted draft; no effect after commit. */
        @Override
        void close();
    }

    /**
     * Who handed a message over, beyond the envelope's {@link dev.facteur.message.ClientInfo}.
     *
     * @param clientName the client's name confirmed by reverse DNS, or null when it was not looked up or not confirmed
     * @param login      the name it logged in with (AUTH, or the local user), or null
     */
    record Origin(String clientName, String login) {}

    /** RFC 3463 X.3.1 "mail system full": the disk (or a quota on it) has no room for the message now. */
    class InsufficientStorage extends IOException {
        public InsufficientStorage(String message) {
            super(message);
        }

        public InsufficientStorage(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
