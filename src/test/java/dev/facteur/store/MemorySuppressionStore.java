package dev.facteur.store;

import dev.facteur.message.Mailbox;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;

/** The suppression list on plain maps, for tests of the policy over it: one node, nothing kept. */
public class MemorySuppressionStore implements SuppressionStore {

    /** {@code SCOPE|KEY}, in the order of listings. */
    private final NavigableMap<String, Entry> entries = new TreeMap<>();
    private final Map<String, List<Instant>> softBounces = new HashMap<>();

    private static String member(String scope, Mailbox address) {
        return SuppressionStore.validScope(scope) + "|" + SuppressionStore.key(address);
    }

    @Override
    public synchronized void put(Entry entry) {
        entries.put(entry.scope() + "|" + entry.key(), entry);
    }

    @Override
    public synchronized Optional<Entry> get(String scope, Mailbox address, Instant now) {
        return Optional.ofNullable(entries.get(member(scope, address))).filter(e -> e.holdsAt(now));
    }

    @Override
    public synchronized Optional<Entry> find(Mailbox address, String senderDomain, Instant now) {
        return get(senderDomain, address, now).or(() -> get(GLOBAL, address, now));
    }

    @Override
    public synchronized List<Entry> entries(Mailbox address, Instant now) {
        return entries.values().stream().filter(e -> e.key().equals(SuppressionStore.key(address)) && e.holdsAt(now)).toList();
    }

    @Override
    public synchronized Optional<Entry> remove(String scope, Mailbox address, Instant now) {
        return Optional.ofNullable(entries.remove(member(scope, address))).filter(e -> e.holdsAt(now));
    }

    @Override
    public synchronized Page list(Optional<String> scope, String after, int limit, Instant now) {
        if (limit < 1 || limit > MAX_PAGE) throw new IllegalArgumentException("a page of 1 to " + MAX_PAGE + " entries: " + limit);
        String range = scope.map(s -> SuppressionStore.validScope(s) + "|").orElse("");
        List<Entry> out = new ArrayList<>();
        String last = null;
        for (var e : entries.tailMap(after, false).entrySet()) {
            if (e.getKey().compareTo(range) < 0) continue;
            if (!e.getKey().startsWith(range)) break;
            if (out.size() == limit) return new Page(out, Optional.of(last));
            if (e.getValue().holdsAt(now)) out.add(e.getValue());
            last = e.getKey();
        }
        return new Page(out, Optional.empty());
    }

    @Override
    public synchronized Map<Reason, Long> count(String scope, Instant now) {
        String s = SuppressionStore.validScope(scope);
        Map<Reason, Long> out = new EnumMap<>(Reason.class);
        for (Reason r : Reason.values()) out.put(r, 0L);
        for (Entry e : entries.values()) if (e.scope().equals(s) && e.holdsAt(now)) out.merge(e.reason(), 1L, Long::sum);
        return out;
    }

    @Override
    public synchronized int softBounce(String scope, Mailbox address, Instant now, Duration window) {
        if (!window.isPositive()) throw new IllegalArgumentException("a window of soft bounces must be positive: " + window);
        List<Instant> times = softBounces.computeIfAbsent(member(scope, address), k -> new ArrayList<>());
        times.add(now);
        times.removeIf(t -> !t.isAfter(now.minus(window)));
        times.sort(null);
        while (times.size() > MAX_SOFT_BOUNCES) times.removeFirst();
        return times.size();
    }

    @Override
    public synchronized void forgetSoftBounces(String scope, Mailbox address, Instant now) {
        softBounces.remove(member(scope, address));
    }

    @Override
    public void close() {}
}
