package dev.facteur.store;

import java.time.Instant;

/** Greylisting records in the embedded file ({@link EmbeddedFile}: what a crash loses, damage, growth). */
final class EmbeddedGreylistStore implements GreylistStore {

    private final EmbeddedFile file;
    private final Runnable closer;

    EmbeddedGreylistStore(EmbeddedFile file, Runnable closer) {
        this.file = file;
        this.closer = closer;
    }

    @Override
    public Seen attempt(String triplet, Instant now, Timing timing) {
        long t = now.toEpochMilli();
        return file.locked(triplet, t, () -> {
            GreylistRecord before = read(file.triplets.get(triplet));
            Seen seen = GreylistRecord.seen(before, t, timing);
            GreylistRecord after = GreylistRecord.after(before, seen, t);
            file.triplets.put(triplet, new long[] {after.first(), after.last(), after.passed() ? 1 : 0, after.liveUntil(timing)});
            return seen;
        });
    }

    @Override
    public Seen peek(String triplet, Instant now, Timing timing) {
        long t = now.toEpochMilli();
        return file.locked(triplet, t, () -> GreylistRecord.seen(read(file.triplets.get(triplet)), t, timing));
    }

    @Override
    public int retried(String client, Instant now, Timing timing) {
        long t = now.toEpochMilli();
        return file.locked(client, t, () -> {
            int n = live(file.clients.get(client), t, timing) + 1;
            file.clients.put(client, new long[] {n, t, t + timing.lifetime().toMillis()});
            return n;
        });
    }

    @Override
    public int retries(String client, Instant now, Timing timing) {
        long t = now.toEpochMilli();
        return file.locked(client, t, () -> live(file.clients.get(client), t, timing));
    }

    /** A client's count {retries, last, live until}, unless its last retry is older than the lifetime. */
    private static int live(long[] client, long now, Timing timing) {
        return client == null || now > client[1] + timing.lifetime().toMillis() ? 0 : (int) client[0];
    }

    /** {first, last, passed, live until} */
    private static GreylistRecord read(long[] r) {
        return r == null ? null : new GreylistRecord(r[0], r[1], r[2] != 0);
    }

    /** Closes the file, and with it the rate counters that share it. */
    @Override
    public void close() {
        closer.run();
    }
}
