package dev.facteur.smtp;

import dev.facteur.message.Envelope;
import dev.facteur.message.QueueId;
import java.io.InputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A {@link MessageSink} on a disk that fails: full once {@code room} bytes of content are written
 * (as a spool that spills big messages to disk sees it), or broken at open or at commit.
 */
public final class FailingSink implements MessageSink {

    private final long room;
    private final IOException onOpen;
    private final IOException onCommit;
    /** The messages that were stored after all. */
    public final List<QueueId> committed = new CopyOnWriteArrayList<>();

    private FailingSink(long room, IOException onOpen, IOException onCommit) {
        this.room = room;
        this.onOpen = onOpen;
        this.onCommit = onCommit;
    }

    /** Room for {@code bytes} of content; beyond that, and at every commit, the disk is full. */
    public static FailingSink fullAfter(long bytes) {
        return new FailingSink(bytes, null, new InsufficientStorage("No space left on device"));
    }

    public static FailingSink failingOpen(IOException e) {
        return new FailingSink(Long.MAX_VALUE, e, null);
    }

    public static FailingSink failingCommit(IOException e) {
        return new FailingSink(Long.MAX_VALUE, null, e);
    }

    @Override
    public Draft open(QueueId id) throws IOException {
        if (onOpen != null) throw onOpen;
        return new Draft() {
            long written;

            @Override
            public OutputStream content() {
                return new OutputStream() {
                    @Override
                    public void write(int b) throws IOException {
                        write(new byte[] {(byte) b}, 0, 1);
                    }

                    @Override
                    public void write(byte[] b, int off, int len) throws IOException {
                        if (written + len > room) throw new InsufficientStorage("No space left on device");
                        written += len;
                    }
                };
            }

            @Override
            public InputStream written() {
                return InputStream.nullInputStream(); // it keeps nothing
            }

            @Override
            public void commit(Envelope envelope) throws IOException {
                if (onCommit != null) throw onCommit;
                committed.add(envelope.id());
            }

            @Override
            public void close() {}
        };
    }
}
