package dev.facteur.smtp;

import dev.facteur.message.QueueId;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * The content of a draft as a {@link Gate.Content}: read back from the draft itself, past the
 * server's own {@code Received:} field, and rewritten into a new draft of the same message (the
 * trace field copied first), which then replaces the old one. Storage failures are thrown as they
 * are: the content is whole by now, nothing is left to read from the client.
 */
final class DraftContent implements Gate.Content, AutoCloseable {

    private final MessageSink sink;
    private final QueueId id;
    private final long traceLength;
    private MessageSink.Draft current;
    /** Drafts this made, the current one last: closed at the end (a no-op for the one committed). */
    private final List<MessageSink.Draft> made = new ArrayList<>();

    /** {@code traceLength}: how many bytes at the start of {@code draft} are the server's own trace field. */
    DraftContent(MessageSink sink, QueueId id, MessageSink.Draft draft, long traceLength) {
        this.sink = sink;
        this.id = id;
        this.current = draft;
        this.traceLength = traceLength;
    }

    @Override
    public InputStream open() throws IOException {
        InputStream in = current.written();
        try {
            in.skipNBytes(traceLength);
        } catch (IOException e) {
            in.close();
            throw e;
        }
        return in;
    }

    @Override
    public void rewrite(Edit edit) throws IOException {
        MessageSink.Draft next = sink.open(id);
        made.add(next);
        OutputStream out = next.content();
        try (InputStream trace = current.written()) {
            out.write(trace.readNBytes((int) traceLength));
        }
        try (InputStream in = open()) {
            edit.apply(in, out);
        }
        if (made.size() > 1) made.get(made.size() - 2).close(); // the draft before, no longer needed
        current = next;
    }

    /** Whether the content was rewritten: then {@link #draft} is a new draft, to be committed instead. */
    boolean rewritten() {
        return !made.isEmpty();
    }

    MessageSink.Draft draft() {
        return current;
    }

    @Override
    public void close() {
        for (MessageSink.Draft d : made) d.close();
    }
}
