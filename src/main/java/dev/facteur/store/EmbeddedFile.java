package dev.facteur.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import org.h2.mvstore.DataUtils;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;
import org.h2.mvstore.MVStoreException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded stores' file, {@code DIR/policy.mv}: an MVStore (H2's crash-safe key-value file)
 * holding the maps of each store: triplets, clients (their retries), rate counters, DNS answers, the
 * DMARC report periods with their rows, the suppression list with its indexes and soft bounces, and
 * the TLS report days with their rows.
 * One Facteur opens it;
 * a second open of the same file fails rather than share it.
 *
 * <p><b>What a crash loses.</b> Updates are in memory first; MVStore's background writer writes
 * them to the file once the oldest is a second old (it looks three times a second), sooner when
 * they pile up, as one chunk, a version of the whole store, whose checksum makes a half-written
 * one recognisable. A {@code kill -9} therefore loses the updates of at most the last 1.4 s or so
 * (0.2 to 0.7 s measured, EmbeddedStoreCrashIT), always the latest ones, and the file opens at
 * its last whole chunk; {@link #close} writes everything. A power failure can lose more: what the
 * system had not yet written to the disk.
 *
 * <p><b>A write that fails</b> (a full disk) makes MVStore close the file: it is logged, and every
 * operation is then {@link StoreUnavailable} until Facteur restarts; the file opens as it was at
 * its last whole chunk.
 *
 * <p><b>A damaged file</b> (garbage, a file of another format, a record that does not read back)
 * never stops Facteur: it is logged, moved aside to {@code policy.mv.damaged-TIME}, and the store
 * starts empty (greylisting relearns, rate counters start again; the suppression list is empty
 * too, and the file moved aside is what still holds it). Every record is read once at
 * open to find out. A file locked by another process or a disk that refuses writes is no damage:
 * opening then throws {@link StoreUnavailable} and the file stays where it is.
 *
 * <p><b>Atomicity.</b> Each operation on a key holds that key's lock (one of 256, by hash), so
 * concurrent updates of one key happen one after the other; different keys rarely wait.
 *
 * <p><b>Growth.</b> Each record carries the time until which it is alive under the timing it was
 * last written with. Every {@value #SWEEP_MINUTES} minutes of the callers' time (the latest
 * {@code now} the operations were given: no clock of its own), a sweep on a virtual thread removes
 * the records dead by then, and a record read after its death counts as absent anyway. MVStore
 * keeps the space of what was replaced or removed for 45 s (a system may write the newer chunk
 * after the older is overwritten) and then reuses it, so the file levels off at the live records
 * plus about 45 s of writes (measured: 100,000 updates every 6 s, each dead by the next sweep,
 * level at 35 MB after 100 s).
 */
final class EmbeddedFile implements AutoCloseable {

    static final String NAME = "policy.mv";
    static final int SWEEP_MINUTES = 5;
    private static final long SWEEP_EVERY = Duration.ofMinutes(SWEEP_MINUTES).toMillis();
    private static final int STRIPES = 256;
    private static final Logger log = LoggerFactory.getLogger("facteur.store");

    private final Path file;
    private final MVStore mv;
    final MVMap<String, long[]> triplets;
    final MVMap<String, long[]> clients;
    final MVMap<String, Long> rates;
    final MVMap<String, String> dns;
    final MVMap<String, String> dmarcPeriods;
    final MVMap<String, Long> dmarcRows;
    final MVMap<String, String> suppressions, suppressionExpiry, suppressionAddresses;
    final MVMap<String, long[]> softBounces;
    final MVMap<String, String> tlsReportDays, tlsReportRows;
    private final ReentrantLock[] stripes = new ReentrantLock[STRIPES];
    private final AtomicLong latest = new AtomicLong(Long.MIN_VALUE);
    private final AtomicLong nextSweep = new AtomicLong(Long.MIN_VALUE);
    private final AtomicBoolean sweeping = new AtomicBoolean();
    private volatile Thread sweeper;
    private volatile boolean closed;

    private EmbeddedFile(Path file, MVStore mv) {
        this.file = file;
        this.mv = mv;
        this.triplets = mv.openMap("triplets");
        this.clients = mv.openMap("clients");
        this.rates = mv.openMap("rates");
        this.dns = mv.openMap("dns");
        this.dmarcPeriods = mv.openMap("dmarc-periods");
        this.dmarcRows = mv.openMap("dmarc-rows");
        this.suppressions = mv.openMap("suppressions");
        this.suppressionExpiry = mv.openMap("suppression-expiry");
        this.suppressionAddresses = mv.openMap("suppression-addresses");
        this.softBounces = mv.openMap("soft-bounces");
        this.tlsReportDays = mv.openMap("tls-report-days");
        this.tlsReportRows = mv.openMap("tls-report-rows");
        for (int i = 0; i < STRIPES; i++) stripes[i] = new ReentrantLock();
    }

    /** Opens (or makes) {@code dir/policy.mv}; a damaged one is moved aside, and the store starts empty. */
    static EmbeddedFile open(Path dir) {
        Path file = dir.resolve(NAME);
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new StoreUnavailable("cannot make the policy store's directory " + dir + ": " + e.getMessage(), e);
        }
        try {
            return new EmbeddedFile(file, openChecked(file));
        } catch (RuntimeException e) {
            if (!isDamage(e)) throw new StoreUnavailable("cannot open the policy store " + file + ": " + e.getMessage(), e);
            Path aside = file.resolveSibling(NAME + ".damaged-" + Instant.now().toEpochMilli());
            try {
                Files.move(file, aside);
            } catch (IOException moving) {
                e.addSuppressed(moving);
                throw new StoreUnavailable("the policy store " + file + " is damaged and cannot be moved aside: " + e.getMessage(), e);
            }
            log.error("policy store {} is damaged ({}); moved it to {} and starting empty: greylisting relearns,"
                    + " rate counters start again, and the suppression list is empty (the file moved aside holds it)",
                    file, e.toString(), aside.getFileName());
            try {
                return new EmbeddedFile(file, openChecked(file));
            } catch (RuntimeException again) {
                throw new StoreUnavailable("cannot make a new policy store " + file + ": " + again.getMessage(), again);
            }
        }
    }

    /** Opens the file and reads every record back, so that damage shows now rather than on some later read. */
    private static MVStore openChecked(Path file) {
        var opened = new AtomicBoolean(); // MVStore reports a failure to open there too: that one is thrown
        MVStore mv = new MVStore.Builder().fileName(file.toString())
                .backgroundExceptionHandler((thread, e) -> {
                    if (opened.get()) log.error("policy store {} failed writing ({}); greylisting and rate limits"
                            + " find it unavailable until Facteur restarts", file, e.toString());
                })
                .open();
        opened.set(true);
        try {
            check(mv.openMap("triplets"), 4);
            check(mv.openMap("clients"), 3);
            MVMap<String, Object> rates = mv.openMap("rates");
            for (Map.Entry<String, Object> e : rates.entrySet()) {
                if (!(e.getValue() instanceof Long) || RateKey.parse(e.getKey()) == null)
                    throw new IllegalStateException("a rate counter that does not read back: " + e.getKey());
            }
            MVMap<String, Object> dns = mv.openMap("dns");
            for (Map.Entry<String, Object> e : dns.entrySet()) {
                if (!(e.getValue() instanceof String r) || AnswerRecord.expiry(r) == Long.MIN_VALUE)
                    throw new IllegalStateException("a DNS answer that does not read back: " + e.getKey());
            }
            EmbeddedDmarcReportStore.check(mv.openMap("dmarc-periods"), mv.openMap("dmarc-rows"));
            EmbeddedSuppressionStore.check(mv.openMap("suppressions"), mv.openMap("suppression-expiry"),
                    mv.openMap("suppression-addresses"), mv.openMap("soft-bounces"));
            EmbeddedTlsReportStore.check(mv.openMap("tls-report-days"), mv.openMap("tls-report-rows"));
            return mv;
        } catch (RuntimeException e) {
            mv.closeImmediately();
            throw e;
        }
    }

    private static void check(MVMap<String, Object> map, int length) {
        for (Map.Entry<String, Object> e : map.entrySet()) {
            if (!(e.getValue() instanceof long[] a) || a.length != length)
                throw new IllegalStateException("a record of " + map.getName() + " that does not read back: " + e.getKey());
        }
    }

    /** Whether opening failed on what the file holds, rather than on who holds it or on a disk that refuses writes. */
    private static boolean isDamage(RuntimeException e) {
        if (e instanceof StoreUnavailable) return false;
        if (e instanceof MVStoreException m)
            return m.getErrorCode() != DataUtils.ERROR_FILE_LOCKED && m.getErrorCode() != DataUtils.ERROR_WRITING_FAILED;
        return true;
    }

    /**
     * Runs {@code op} holding {@code key}'s lock; {@code now} (ms) is the callers' time, which
     * drives the sweep. The file failing (a write error closed it, or it was closed) is
     * {@link StoreUnavailable}.
     */
    <T> T locked(String key, long now, Supplier<T> op) {
        if (closed) throw new StoreUnavailable("the policy store " + file + " is closed", null);
        ReentrantLock lock = lockOf(key);
        lock.lock();
        try {
            return op.get();
        } catch (MVStoreException e) {
            throw new StoreUnavailable("policy store " + file + ": " + e.getMessage(), e);
        } finally {
            lock.unlock();
            passed(now);
        }
    }

    /** The callers' time reached {@code now}: sweep when it is time to. */
    private void passed(long now) {
        if (closed) return;
        latest.accumulateAndGet(now, Math::max);
        if (now < nextSweep.get() || !sweeping.compareAndSet(false, true)) return; // one sweep at a time; a due one waits for it
        nextSweep.set(now + SWEEP_EVERY);
        sweeper = Thread.ofVirtual().name("policy-store-sweep").start(() -> {
            try {
                sweep(latest.get());
            } catch (MVStoreException e) {
                if (!closed) log.warn("policy store {}: sweep failed: {}", file, e.toString());
            } finally {
                sweeping.set(false);
            }
        });
    }

    /** Removes the records dead at {@code now}, each under its key's lock (an update may have revived it). */
    void sweep(long now) {
        int removed = removeDead(triplets, now, 3) + removeDead(clients, now, 2);
        for (String key : rates.keySet()) {
            if (closed) return;
            RateKey k = RateKey.parse(key);
            if (!k.deadAt(now)) continue;
            ReentrantLock lock = lockOf(RateKey.counter(k.window(), k.key()));
            lock.lock();
            try {
                if (rates.remove(key) != null) removed++;
            } finally {
                lock.unlock();
            }
        }
        for (Map.Entry<String, String> e : dns.entrySet()) {
            if (closed) return;
            if (AnswerRecord.expiry(e.getValue()) >= now) continue;
            ReentrantLock lock = lockOf(e.getKey());
            lock.lock();
            try {
                String current = dns.get(e.getKey());
                if (current != null && AnswerRecord.expiry(current) < now && dns.remove(e.getKey()) != null) removed++;
            } finally {
                lock.unlock();
            }
        }
        removed += EmbeddedDmarcReportStore.sweep(this, now);
        removed += EmbeddedSuppressionStore.sweep(this, now);
        removed += EmbeddedTlsReportStore.sweep(this, now);
        if (removed > 0) log.debug("policy store {}: swept {} dead records", file, removed);
    }

    private int removeDead(MVMap<String, long[]> map, long now, int liveUntil) {
        int removed = 0;
        for (Map.Entry<String, long[]> e : map.entrySet()) {
            if (closed) break;
            if (e.getValue()[liveUntil] >= now) continue;
            ReentrantLock lock = lockOf(e.getKey());
            lock.lock();
            try {
                long[] current = map.get(e.getKey());
                if (current != null && current[liveUntil] < now) {
                    map.remove(e.getKey());
                    removed++;
                }
            } finally {
                lock.unlock();
            }
        }
        return removed;
    }

    ReentrantLock lockOf(String key) {
        return stripes[Math.floorMod(key.hashCode() * 0x9E3779B9, STRIPES)];
    }

    /** The records in the file (for tests: growth is bounded). */
    int size() {
        return triplets.size() + clients.size() + rates.size() + dns.size() + dmarcPeriods.size() + dmarcRows.size()
                + suppressions.size() + suppressionExpiry.size() + suppressionAddresses.size() + softBounces.size()
                + tlsReportDays.size() + tlsReportRows.size();
    }

    /** Writes everything and closes the file; operations then throw {@link StoreUnavailable}. Safe to call twice. */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        Thread s = sweeper;
        if (s != null) {
            try {
                s.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        try {
            mv.close();
        } catch (MVStoreException e) {
            log.error("policy store {}: closing failed, the latest updates may be lost: {}", file, e.toString());
            mv.closeImmediately();
        }
    }

    /**
     * A rate counter's key in the file, {@code WINDOW|KEY|INDEX}: the events of {@code KEY} in
     * window number {@code INDEX} of {@code WINDOW} ms since the epoch.
     */
    record RateKey(long window, String key, long index) {

        /** The counter's name, {@code WINDOW|KEY}: its lock, and the start of its windows' keys. */
        static String counter(long window, String key) {
            return window + "|" + key;
        }

        static String of(long window, String key, long index) {
            return counter(window, key) + "|" + index;
        }

        /** Null when {@code s} is not such a key. */
        static RateKey parse(String s) {
            int a = s.indexOf('|');
            int b = s.lastIndexOf('|');
            if (a <= 0 || b <= a) return null;
            try {
                return new RateKey(Long.parseLong(s, 0, a, 10), s.substring(a + 1, b), Long.parseLong(s, b + 1, s.length(), 10));
            } catch (NumberFormatException e) {
                return null;
            }
        }

        /** A counter is read while it is the current window or the previous one. */
        boolean deadAt(long now) {
            return Math.floorDiv(now, window) > index + 1;
        }
    }
}
