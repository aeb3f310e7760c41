package dev.facteur.smtp;

import dev.facteur.message.Envelope;
import dev.facteur.message.QueueId;
import java.io.IOException;
import java.io.OutputStream;

/**
 * A {@link MessageSink.Draft} whose storage failures wait for the end of the content. The client
 * is still sending when the disk fills up; if the failure ended the read, the rest of the message
 * would be taken for commands, or the connection would close without a reply. So the first failure
 * is kept, everything after it is dropped, and the content is read to its real end before the
 * reply. Failures of the socket are not caught here: they come from the reader, not the sink.
 */
final class GuardedDraft implements AutoCloseable {

    private final MessageSink.Draft draft;
    private final OutputStream content;
    private IOException failure;

    private GuardedDraft(MessageSink.Draft draft, IOException failure) {
        this.draft = draft;
        this.failure = failure;
        this.content = new Guard();
    }

    static GuardedDraft open(MessageSink sink, QueueId id) {
        try {
            return new GuardedDraft(sink.open(id), null);
        } catch (IOException e) {
            return new GuardedDraft(null, e);
        }
    }

    /** The content stream: it never throws; after a failure it discards. */
    OutputStream content() {
        return content;
    }

    /** The first failure to store, or null while there is none. */
    IOException failure() {
        return failure;
    }

    /** The draft guarded (null when it could not be opened: then {@link #failure} says why). */
    MessageSink.Draft draft() {
        return draft;
    }

    /** Commits unless storing has failed already; returns the failure, or null when the message is stored. */
    IOException commit(Envelope envelope, MessageSink.Origin origin) {
        if (failure == null) {
            try {
                draft.commit(envelope, origin);
            } catch (IOException e) {
                failure = e;
            }
        }
        return failure;
    }

    @Override
    public void close() {
        if (draft != null) draft.close();
    }

    private final class Guard extends OutputStream {
        @Override
        public void write(int b) {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            if (failure != null) return;
            try {
                draft.content().write(b, off, len);
            } catch (IOException e) {
                failure = e;
            }
        }
    }
}
