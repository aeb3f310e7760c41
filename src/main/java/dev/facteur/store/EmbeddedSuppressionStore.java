package dev.facteur.store;

import static dev.facteur.store.SuppressionRecord.member;

import dev.facteur.message.Mailbox;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import org.h2.mvstore.MVMap;

/**
 * The suppression list in the embedded file ({@link EmbeddedFile}: what a crash loses, damage,
 * growth). Four maps:
 * <ul>
 * <li>{@code suppressions}: {@code SCOPE|KEY} → the entry ({@link SuppressionRecord}'s JSON), in
 *     the order listings go;
 * <li>{@code suppression-expiry}: {@code SCOPE|REASON|EXPIRES|KEY}, EXPIRES in ms, fifteen digits
 *     (all nines for never): the entries of a scope and reason in the order they expire, so that
 *     those still holding are counted from two positions in the map's counted tree, without
 *     reading them;
 * <li>{@code suppression-addresses}: {@code KEY|SCOPE}, the scopes each address is in;
 * <li>{@code soft-bounces}: {@code SCOPE|KEY} → {the end of the last one's window, the times of the
 *     soft bounces...}.
 * </ul>
 * Each change holds its {@code SCOPE|KEY}'s lock and changes the maps together; only this
 * process uses the file. The sweep removes the entries that have expired.
 */
final class EmbeddedSuppressionStore implements SuppressionStore {

    private static final String NEVER = "9".repeat(15);

    private final EmbeddedFile file;
    private final Runnable closer;

    EmbeddedSuppressionStore(EmbeddedFile file, Runnable closer) {
        this.file = file;
        this.closer = closer;
    }

    @Override
    public void put(Entry entry) {
        String member = member(entry.scope(), entry.key());
        file.locked(member, entry.created().toEpochMilli(), () -> {
            Entry before = read(file.suppressions.get(member));
            if (before != null) file.suppressionExpiry.remove(expiryKey(before));
            file.suppressions.put(member, SuppressionRecord.json(entry));
            file.suppressionExpiry.put(expiryKey(entry), "");
            file.suppressionAddresses.put(entry.key() + "|" + entry.scope(), "");
            return null;
        });
    }

    @Override
    public Optional<Entry> get(String scope, Mailbox address, Instant now) {
        String member = member(SuppressionStore.validScope(scope), SuppressionStore.key(address));
        return file.locked(member, now.toEpochMilli(), () -> holding(file.suppressions.get(member), now));
    }

    @Override
    public Optional<Entry> find(Mailbox address, String senderDomain, Instant now) {
        return get(senderDomain, address, now).or(() -> get(GLOBAL, address, now));
    }

    @Override
    public List<Entry> entries(Mailbox address, Instant now) {
        String key = SuppressionStore.key(address);
        String prefix = key + "|";
        List<String> scopes = new ArrayList<>();
        for (Iterator<String> it = file.suppressionAddresses.keyIterator(prefix); it.hasNext(); ) {
            String k = it.next();
            if (!k.startsWith(prefix)) break;
            scopes.add(k.substring(prefix.length()));
        }
        List<Entry> out = new ArrayList<>();
        for (String scope : scopes) get(scope, address, now).ifPresent(out::add);
        return out;
    }

    @Override
    public Optional<Entry> remove(String scope, Mailbox address, Instant now) {
        String s = SuppressionStore.validScope(scope);
        String key = SuppressionStore.key(address);
        String member = member(s, key);
        return file.locked(member, now.toEpochMilli(), () -> {
            Entry before = read(file.suppressions.remove(member));
            if (before == null) return Optional.<Entry>empty();
            file.suppressionExpiry.remove(expiryKey(before));
            file.suppressionAddresses.remove(key + "|" + s);
            return before.holdsAt(now) ? Optional.of(before) : Optional.<Entry>empty();
        });
    }

    @Override
    public Page list(Optional<String> scope, String after, int limit, Instant now) {
        if (limit < 1 || limit > MAX_PAGE) throw new IllegalArgumentException("a page of 1 to " + MAX_PAGE + " entries: " + limit);
        String range = scope.map(s -> SuppressionStore.validScope(s) + "|").orElse("");
        String from = after.compareTo(range) > 0 ? after : range;
        return file.locked("suppressions", now.toEpochMilli(), () -> {
            List<Entry> out = new ArrayList<>();
            Iterator<String> it = file.suppressions.keyIterator(from);
            String last = null;
            while (it.hasNext()) {
                String k = it.next();
                if (!k.startsWith(range)) return new Page(out, Optional.empty());
                if (k.equals(after)) continue;
                if (out.size() == limit) return new Page(out, Optional.of(last));
                holding(file.suppressions.get(k), now).ifPresent(out::add);
                last = k;
            }
            return new Page(out, Optional.empty());
        });
    }

    @Override
    public Map<Reason, Long> count(String scope, Instant now) {
        String s = SuppressionStore.validScope(scope);
        String holding = "%015d".formatted(now.toEpochMilli() + 1); // expires after now
        return file.locked("suppression-count|" + s, now.toEpochMilli(), () -> {
            Map<Reason, Long> out = new EnumMap<>(Reason.class);
            for (Reason r : Reason.values()) {
                String block = s + "|" + r.token() + "|";
                out.put(r, position(block + ":") - position(block + holding)); // ':' comes after every digit
            }
            return out;
        });
    }

    /** Where {@code key} is, or would be, in {@code suppression-expiry}'s order. */
    private long position(String key) {
        long i = file.suppressionExpiry.getKeyIndex(key);
        return i >= 0 ? i : -(i + 1);
    }

    @Override
    public int softBounce(String scope, Mailbox address, Instant now, Duration window) {
        if (!window.isPositive()) throw new IllegalArgumentException("a window of soft bounces must be positive: " + window);
        String member = member(SuppressionStore.validScope(scope), SuppressionStore.key(address));
        long t = now.toEpochMilli();
        long w = window.toMillis();
        return file.locked(member, t, () -> {
            long[] before = file.softBounces.get(member);
            long[] times = before == null ? new long[0] : Arrays.copyOfRange(before, 1, before.length);
            long[] kept = Arrays.stream(times).filter(x -> x > t - w).toArray();
            long[] after = Arrays.copyOf(kept, kept.length + 1);
            after[kept.length] = t;
            Arrays.sort(after);
            if (after.length > MAX_SOFT_BOUNCES) after = Arrays.copyOfRange(after, after.length - MAX_SOFT_BOUNCES, after.length);
            long[] value = new long[after.length + 1];
            value[0] = after[after.length - 1] + w;
            System.arraycopy(after, 0, value, 1, after.length);
            file.softBounces.put(member, value);
            return after.length;
        });
    }

    @Override
    public void forgetSoftBounces(String scope, Mailbox address, Instant now) {
        String member = member(SuppressionStore.validScope(scope), SuppressionStore.key(address));
        file.locked(member, now.toEpochMilli(), () -> file.softBounces.remove(member));
    }

    private static Optional<Entry> holding(String json, Instant now) {
        return Optional.ofNullable(read(json)).filter(e -> e.holdsAt(now));
    }

    private static Entry read(String json) {
        return json == null ? null : SuppressionRecord.fromJson(json);
    }

    static String expiryKey(Entry e) {
        String expires = e.expires().map(t -> "%015d".formatted(t.toEpochMilli())).orElse(NEVER);
        return e.scope() + "|" + e.reason().token() + "|" + expires + "|" + e.key();
    }

    /** Throws when a record of the four maps does not read back: the file is damaged. */
    static void check(MVMap<String, Object> suppressions, MVMap<String, Object> expiry, MVMap<String, Object> addresses,
            MVMap<String, Object> softBounces) {
        for (Map.Entry<String, Object> e : suppressions.entrySet()) {
            Entry entry = e.getValue() instanceof String json ? SuppressionRecord.fromJson(json) : null;
            if (entry == null || !e.getKey().equals(member(entry.scope(), entry.key())))
                throw new IllegalStateException("a suppression entry that does not read back: " + e.getKey());
        }
        for (String k : expiry.keySet())
            if (expiryOf(k) < 0) throw new IllegalStateException("a suppression expiry that does not read back: " + k);
        for (String k : addresses.keySet())
            if (k.lastIndexOf('|') <= 0) throw new IllegalStateException("a suppressed address that does not read back: " + k);
        for (Map.Entry<String, Object> e : softBounces.entrySet())
            if (!(e.getValue() instanceof long[] a) || a.length < 2)
                throw new IllegalStateException("soft bounces that do not read back: " + e.getKey());
    }

    /** The expiry (ms) an expiry key names, {@link Long#MAX_VALUE} for never; -1 when it names none. */
    private static long expiryOf(String key) {
        String[] parts = key.split("\\|", 4);
        if (parts.length < 4 || parts[2].length() != 15) return -1;
        if (parts[2].equals(NEVER)) return Long.MAX_VALUE;
        try {
            return Long.parseLong(parts[2]);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** Removes the entries expired at {@code now} and the soft bounces no window reads any more; returns how many records went. */
    static int sweep(EmbeddedFile file, long now) {
        int removed = 0;
        for (String k : file.suppressionExpiry.keySet()) {
            if (expiryOf(k) > now) continue;
            String[] parts = k.split("\\|", 4);
            String member = member(parts[0], parts[3]);
            ReentrantLock lock = file.lockOf(member);
            lock.lock();
            try {
                if (file.suppressionExpiry.remove(k) == null) continue; // replaced meanwhile
                removed++;
                Entry current = read(file.suppressions.get(member));
                if (current != null && expiryKey(current).equals(k)) {
                    file.suppressions.remove(member);
                    file.suppressionAddresses.remove(parts[3] + "|" + parts[0]);
                    removed += 2;
                }
            } finally {
                lock.unlock();
            }
        }
        for (Map.Entry<String, long[]> e : file.softBounces.entrySet()) {
            if (e.getValue()[0] > now) continue;
            ReentrantLock lock = file.lockOf(e.getKey());
            lock.lock();
            try {
                long[] current = file.softBounces.get(e.getKey());
                if (current != null && current[0] <= now && file.softBounces.remove(e.getKey()) != null) removed++;
            } finally {
                lock.unlock();
            }
        }
        return removed;
    }

    /** Closes the file, and with it the other stores that share it. */
    @Override
    public void close() {
        closer.run();
    }
}
