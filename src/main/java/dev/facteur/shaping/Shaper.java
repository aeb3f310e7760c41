package dev.facteur.shaping;

import dev.facteur.store.ShapingStore;
import dev.facteur.store.StoreUnavailable;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asked by delivery before each message and each new connection to a site, and told what the
 * servers answered. The budgets and the learnt state are in the {@link ShapingStore}, so that
 * several nodes sharing one store share one budget per site.
 *
 * <ul>
 *   <li>{@link #admit}: a suspended site waits; otherwise one message is taken from the minute
 *       pace (the configured or learnt rate, a burst of as many messages as connections) and from
 *       the hourly budget.
 *   <li>{@link #open}: one of the site's connections (leases, so a node that dies frees them
 *       after {@link #LEASE} unless the connection is used again), and the pause between
 *       connections.
 *   <li>{@link #delivered} and {@link #slowDown} feed {@link Adaptation}; every change of a
 *       site's limits is logged on {@code facteur.shaping}.
 * </ul>
 *
 * <p>A store that fails (Redis down) holds nothing back: shaping protects our reputation, and
 * stopping all mail for it would be worse; it is logged once a minute at most.
 */
public final class Shaper {

    private static final Logger log = LoggerFactory.getLogger("facteur.shaping");

    /** How long a connection's lease lasts without renewal: more than a transaction may take (RFC 5321's timeouts). */
    static final Duration LEASE = Duration.ofMinutes(30);
    /** How soon to look again when all of a site's connections are in use. */
    static final Duration BUSY = Duration.ofMillis(100);

    private final Sites sites;
    private final ShapingStore store;
    private final Adaptive adaptive;
    private final Adaptation adaptation;
    private final Clock clock;
    private final String node = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
    private final AtomicLong leases = new AtomicLong();
    private final AtomicLong lastStoreWarning = new AtomicLong(Long.MIN_VALUE);

    public Shaper(Sites sites, Adaptive adaptive, ShapingStore store, Clock clock) {
        this.sites = sites;
        this.store = store;
        this.adaptive = adaptive;
        this.adaptation = new Adaptation(adaptive);
        this.clock = clock;
    }

    /** The site of mail to {@code domain} whose servers are {@code servers}, most preferred first. */
    public Site site(String domain, List<String> servers) {
        return sites.of(domain, servers);
    }

    /** Leave to send one message to {@code site} now, or when to ask again. */
    public Admission admit(Site site) {
        long now = clock.millis();
        try {
            SiteState s = state(site);
            if (s.suspendedAt(now))
                return new Wait(Instant.ofEpochMilli(s.suspendedUntil()), "site " + site + " is suspended until " + Instant.ofEpochMilli(s.suspendedUntil()));
            double rate = s.perMinute(site.limits());
            double minute = rate == Double.POSITIVE_INFINITY ? 0 : 60_000 / rate;
            long wait = store.take(key("m", site), minute, minute * (s.connections(site.limits()) - 1), now);
            if (wait > 0) return new Wait(Instant.ofEpochMilli(now + wait), "site " + site + " takes " + Adaptation.perMinute(rate));
            double hour = site.limits().perHour() == 0 ? 0 : 3_600_000.0 / site.limits().perHour();
            if (hour > 0) {
                wait = store.take(key("h", site), hour, 3_600_000 - hour, now);
                if (wait > 0) {
                    store.giveBack(key("m", site), minute, now);
                    return new Wait(Instant.ofEpochMilli(now + wait), "site " + site + " takes " + site.limits().perHour() + " an hour");
                }
            }
            return new Permit(site, now, minute, hour);
        } catch (StoreUnavailable e) {
            storeFailed(e);
            return new Permit(site, now, 0, 0);
        }
    }

    /** A permit that was not used after all (the site had no connection for it): its budget goes back. */
    public void unused(Permit p) {
        long now = clock.millis();
        try {
            store.giveBack(key("m", p.site()), p.minuteInterval(), now);
            if (p.hourInterval() > 0) store.giveBack(key("h", p.site()), p.hourInterval(), now);
        } catch (StoreUnavailable e) {
            storeFailed(e);
        }
    }

    /** Leave to open one more connection to {@code site}, held until {@link #release}, or when to ask again. */
    public Opening open(Site site) {
        long now = clock.millis();
        Lease lease = new Lease(site, node + "-" + leases.incrementAndGet());
        try {
            int limit = state(site).connections(site.limits());
            if (!store.lease(key("c", site), lease.id(), limit, now, LEASE.toMillis()))
                return new Wait(Instant.ofEpochMilli(now + BUSY.toMillis()), "site " + site + " has its " + limit + " connections open");
            Duration pause = site.limits().connectionPause();
            if (pause.isPositive()) {
                long wait = store.take(key("p", site), pause.toMillis(), 0, now);
                if (wait > 0) {
                    store.release(key("c", site), lease.id());
                    return new Wait(Instant.ofEpochMilli(now + wait), "site " + site + " wants " + pause.toMillis() + " ms between connections");
                }
            }
        } catch (StoreUnavailable e) {
            storeFailed(e);
        }
        return lease;
    }

    /** The lease's connection is used again: it stays held for another {@link #LEASE}. */
    public void renew(Lease lease) {
        try {
            store.lease(key("c", lease.site()), lease.id(), Integer.MAX_VALUE, clock.millis(), LEASE.toMillis());
        } catch (StoreUnavailable e) {
            storeFailed(e);
        }
    }

    /** The lease's connection is closed. */
    public void release(Lease lease) {
        try {
            store.release(key("c", lease.site()), lease.id());
        } catch (StoreUnavailable e) {
            storeFailed(e);
        }
    }

    /** A server of the site took the message for at least one recipient. */
    public void delivered(Permit p) {
        if (!adaptive.enabled()) return;
        long now = clock.millis();
        adapt(p.site(), s -> adaptation.delivered(s, p.site().limits(), now), "delivered");
    }

    /**
     * A server of the site asked us to slow down ({@link SlowDown}), or could not be reached.
     * Returns when the site may be tried again: the end of a suspension, or the next message at
     * the new pace; null when sites do not adapt (the mail is then deferred as any other).
     */
    public Instant slowDown(Permit p, String why) {
        long now = clock.millis();
        if (!adaptive.enabled()) return null;
        Site site = p.site();
        SiteState s = adapt(site, state -> adaptation.slowDown(state, site.limits(), p.admittedAt(), taken(site, now), now), why);
        if (s.suspendedAt(now)) return Instant.ofEpochMilli(s.suspendedUntil());
        double rate = s.perMinute(site.limits());
        return Instant.ofEpochMilli(now + (rate == Double.POSITIVE_INFINITY ? 0 : (long) Math.ceil(60_000 / rate)));
    }

    /**
     * The messages a minute the site was sent lately. A site first sent to less than a minute ago
     * (nothing in the minute before) has its count scaled to a minute from the part of the current
     * minute gone by: a burst of the first seconds would otherwise count as a slow minute, and the
     * first decrease would cut far below the pace the site was taking.
     */
    private double taken(Site site, long now) {
        try {
            long last = store.taken(key("m", site), now);
            if (store.taken(key("m", site), now - 60_000) > 0) return last;
            long intoMinute = Math.floorMod(now, 60_000L);
            return last * 60_000.0 / Math.max(1_000, intoMinute);
        } catch (StoreUnavailable e) {
            storeFailed(e);
            return 0;
        }
    }

    /** What the site's replies have taught so far. */
    public SiteState state(Site site) {
        return SiteState.decode(store.get(key("s", site)));
    }

    /** Applies one step to the shared state, again if another node changed it meanwhile. */
    private SiteState adapt(Site site, java.util.function.Function<SiteState, Adaptation.Step> step, String why) {
        long keep = adaptive.forgetAfter().plus(adaptive.suspendMax()).toMillis();
        try {
            for (int tries = 0; tries < 8; tries++) {
                String raw = store.get(key("s", site));
                SiteState s = SiteState.decode(raw);
                Adaptation.Step next = step.apply(s);
                if (next.state().equals(s)) return s;
                if (store.replace(key("s", site), raw, next.state().encode(), keep)) {
                    if (next.change() != null) log.info("site {}: {} ({})", site, next.change(), why);
                    return next.state();
                }
            }
            log.warn("site {}: its state changed under us eight times in a row; this reply is not counted ({})", site, why);
        } catch (StoreUnavailable e) {
            storeFailed(e);
        }
        return SiteState.FRESH;
    }

    private void storeFailed(StoreUnavailable e) {
        long now = System.nanoTime();
        long last = lastStoreWarning.get();
        if (last != Long.MIN_VALUE && now - last < Duration.ofMinutes(1).toNanos()) return;
        if (lastStoreWarning.compareAndSet(last, now))
            log.warn("traffic shaping store unavailable ({}): mail is not held back meanwhile", e.getMessage());
    }

    private static String key(String kind, Site site) {
        return kind + ":" + site.name().toLowerCase(Locale.ROOT);
    }
}
