package dev.facteur.smtp;

import dev.facteur.message.Envelope;
import dev.facteur.message.QueueId;
import java.io.IOException;
import java.io.OutputStream;

/** Where the server puts messages. It decides how they are stored; the server only needs commit to be durable. */
public interface MessageSink {

    /** Starts receiving one message's content; nothing is kept unless the draft is committed. */
    Draft open(QueueId id) throws IOException;

    interface Draft extends AutoCloseable {
        OutputStream content();

        /** Stores the message; when this returns, it survives a crash (the 250 may be sent). */
        void commit(Envelope envelope) throws IOException;

        /** Forgets an uncommitted draft; no effect after commit. */
        @Override
        void close();
    }
}
