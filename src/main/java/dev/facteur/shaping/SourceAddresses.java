package dev.facteur.shaping;

import dev.facteur.store.ShapingStore;
import dev.facteur.store.StoreUnavailable;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Which local address a message leaves from. A sender domain's mail uses the first pool that
 * names it (else the pool {@code default}, else no particular address); within a pool, the
 * addresses of the server's family (IPv4 or IPv6) in turn, an address still warming up first
 * while its hourly budget lasts (it needs the traffic to warm up), and never past that budget.
 * The budgets are in the {@link ShapingStore}, shared by the nodes.
 */
public final class SourceAddresses {

    /** The answer for one message to one server. */
    public sealed interface Pick {
        /** Leave from this address. */
        record Use(Source source) implements Pick {}

        /** Every address of the pool has spent its warm-up budget: not before {@code until}. */
        record Later(Wait until) implements Pick {}

        /** No pool for this sender: the system chooses the address, and EHLO gives the hostname. */
        record Any() implements Pick {}

        /** The pool has no address of the server's family: this server cannot be reached from it. */
        record NoneOfFamily(String pool) implements Pick {}
    }

    /** No sources: every message leaves from whatever address the system picks. */
    public static final SourceAddresses NONE = new SourceAddresses(List.of(), List.of(), WarmUp.DEFAULTS, ShapingStore.inMemory(),
            Clock.systemUTC());

    private final Map<String, List<Source>> byPool = new LinkedHashMap<>();
    private final List<Pool> pools;
    private final WarmUp warmUp;
    private final ShapingStore store;
    private final Clock clock;
    private final Map<String, AtomicInteger> turns = new ConcurrentHashMap<>();

    public SourceAddresses(List<Source> sources, List<Pool> pools, WarmUp warmUp, ShapingStore store, Clock clock) {
        for (Source s : sources) byPool.computeIfAbsent(s.pool(), k -> new ArrayList<>()).add(s);
        this.pools = List.copyOf(pools);
        this.warmUp = warmUp;
        this.store = store;
        this.clock = clock;
    }

    public boolean isEmpty() {
        return byPool.isEmpty();
    }

    /** The pool a sender domain's mail uses, or null for none. */
    public String poolFor(String senderDomain) {
        for (Pool p : pools) {
            if (p.serves(senderDomain)) return p.name();
        }
        return byPool.containsKey("default") ? "default" : null;
    }

    /** The pool to try when a destination refuses {@code pool}, or null. */
    public String fallback(String pool) {
        for (Pool p : pools) {
            if (p.name().equals(pool)) return p.fallback();
        }
        return null;
    }

    /** An address of {@code pool} for one message to a server at {@code server}; takes from its warm-up budget. */
    public Pick pick(String pool, InetAddress server) {
        if (pool == null) return new Pick.Any();
        boolean v6 = server instanceof Inet6Address;
        List<Source> family = byPool.getOrDefault(pool, List.of()).stream().filter(s -> (s.address() instanceof Inet6Address) == v6).toList();
        if (family.isEmpty()) return new Pick.NoneOfFamily(pool);
        long now = clock.millis();
        LocalDate today = LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
        Instant soonest = null;
        // the addresses warming up first, then the others in turn
        List<Source> order = new ArrayList<>(family.stream().filter(s -> budget(s, today) > 0).toList());
        List<Source> warm = family.stream().filter(s -> budget(s, today) == 0).toList();
        if (!warm.isEmpty()) {
            int start = Math.floorMod(turns.computeIfAbsent(pool + (v6 ? "/6" : "/4"), k -> new AtomicInteger()).getAndIncrement(), warm.size());
            for (int i = 0; i < warm.size(); i++) order.add(warm.get((start + i) % warm.size()));
        }
        for (Source s : order) {
            int budget = budget(s, today);
            if (budget == 0) return new Pick.Use(s);
            double interval = 3_600_000.0 / budget;
            try {
                long wait = store.take("w:" + s.address().getHostAddress(), interval, 3_600_000 - interval, now);
                if (wait == 0) return new Pick.Use(s);
                Instant at = Instant.ofEpochMilli(now + wait);
                if (soonest == null || at.isBefore(soonest)) soonest = at;
            } catch (StoreUnavailable e) {
                return new Pick.Use(s); // the budget protects a reputation; a store down must not stop the mail
            }
        }
        return new Pick.Later(new Wait(soonest, "the addresses of pool " + pool + " have spent their warm-up budgets for the hour"));
    }

    private int budget(Source s, LocalDate today) {
        return s.warmingFrom() == null ? 0 : warmUp.budget(s.warmingFrom(), today);
    }
}
