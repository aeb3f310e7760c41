package dev.facteur.queue;

import dev.facteur.message.Envelope;
import dev.facteur.message.QueueId;
import dev.facteur.spool.Spool;
import dev.facteur.spool.StoredMessage;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A real spool whose writes fail on demand, as on a full disk, and which remembers every commit
 * the queue makes. Reads always work, as they do when a disk is full.
 */
final class FaultySpool implements Spool {

    private final Spool spool;
    private volatile boolean full;
    final List<List<Change>> commits = new CopyOnWriteArrayList<>();
    /** Writes refused while full. */
    volatile int refused;

    FaultySpool(Spool spool) {
        this.spool = spool;
    }

    void full(boolean full) {
        this.full = full;
    }

    private void write() throws IOException {
        if (full) {
            refused++;
            throw new IOException("No space left on device");
        }
    }

    /** The spool's own draft: committing it on its own is how messages arrive; the queue's writes are refused below. */
    @Override
    public Draft draft(QueueId id) throws IOException {
        return spool.draft(id);
    }

    @Override
    public List<StoredMessage> messages() {
        return spool.messages();
    }

    @Override
    public Optional<StoredMessage> find(QueueId id) {
        return spool.find(id);
    }

    @Override
    public InputStream openContent(QueueId id) throws IOException {
        return spool.openContent(id);
    }

    @Override
    public void update(Envelope envelope) throws IOException {
        write();
        spool.update(envelope);
    }

    @Override
    public void remove(QueueId id) throws IOException {
        write();
        spool.remove(id);
    }

    /** All or nothing, as the interface promises: refused as a whole while full. */
    @Override
    public void commit(List<Change> changes) throws IOException {
        write();
        commits.add(List.copyOf(changes));
        spool.commit(changes);
    }

    @Override
    public void close() throws IOException {
        spool.close();
    }
}
