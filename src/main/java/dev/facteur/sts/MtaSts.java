package dev.facteur.sts;

import dev.facteur.dns.DnsResolver;
import dev.facteur.dns.TxtAnswer;
import java.io.IOException;
import java.net.IDN;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What delivery asks before it connects to a domain's MX hosts: the domain's MTA-STS policy, as
 * RFC 8461 §3 and §5 have a sender discover, fetch, cache and apply it.
 *
 * <p>{@link #lookup} reads the {@code _mta-sts} TXT record every time (the resolver caches it for
 * its TTL) and fetches the policy only when the record's id differs from the cached policy's, or
 * no valid policy is cached. A cached policy that is still valid is applied whenever no newer one
 * can be had: the fetch failed, the record is gone or broken, DNS does not answer (§3.3, §8.3).
 * A failed fetch is not tried again for {@link #RETRY_FAILED} for the same id (§3.3 suggests
 * five minutes), so that a broken policy host costs one attempt, not one per message.
 *
 * <p>§3.3 also asks senders to refresh cached policies before they expire: {@link #refreshDue}
 * does one round of that and {@link #refreshEvery} runs it on a virtual thread of its own; once
 * an hour is plenty, each policy being fetched again at most once a day.
 *
 * <p>Logs (logger {@code facteur.sts}) a line per fetch, and a line when a domain's policy
 * appears, changes or expires. Thread-safe; lookups of one domain wait for each other, so that
 * a hundred messages to a new domain make one fetch.
 */
public final class MtaSts {

    private static final Logger log = LoggerFactory.getLogger("facteur.sts");

    /** §3.3: after a failed fetch, "limit further attempts to a period of five minutes or longer per version ID". */
    public static final Duration RETRY_FAILED = Duration.ofMinutes(5);

    /** §3.3: "a suggested refresh frequency is once per day" (or at half a shorter max_age). */
    public static final Duration REFRESH_AFTER = Duration.ofDays(1);

    /** What delivery does for a domain. */
    public sealed interface Policy {
        /**
         * No policy applies: no record and nothing cached, or a policy in mode {@code none}.
         * Deliver as usual (opportunistic TLS).
         */
        record None(String reason) implements Policy {}

        /**
         * §5: deliver only to MX hosts the policy {@linkplain StsPolicy#matches matches}, over TLS
         * whose certificate verifies for the MX host's name (§4.2); an MX host that fails either
         * check is skipped, and none left is a temporary failure (§5.1 step 3).
         */
        record Enforce(StsPolicy policy) implements Policy {}

        /** §5: deliver as usual, but log and report (RFC 8460) what {@code enforce} would have refused. */
        record Testing(StsPolicy policy) implements Policy {}

        /**
         * The domain may have a policy, and none could be had: its record names a policy that could
         * not be fetched, or DNS did not answer, and no valid policy is cached. §3.3 is explicit:
         * the sender "MUST continue with delivery as though the domain has not implemented
         * MTA-STS", so delivery treats this as {@link None}; it is a case of its own so that it can
         * be logged and reported ({@code sts-policy-fetch-error}), not so that mail waits.
         */
        record TempFail(String reason) implements Policy {}
    }

    private final DnsResolver dns;
    private final PolicyFetcher fetcher;
    private final PolicyCache cache;
    private final Clock clock;
    private final Map<String, DomainLock> locks = new ConcurrentHashMap<>();
    private final Map<String, FailedFetch> failures = new ConcurrentHashMap<>();

    /** The last failed fetch of a domain: for which record id, when, and why. */
    private record FailedFetch(String id, Instant at, String reason) {}

    /** What the TXT record says. */
    private sealed interface Discovery {
        record Found(StsRecord record) implements Discovery {}

        record NotFound(String reason) implements Discovery {}

        record Trouble(String reason) implements Discovery {}
    }

    /** Policies cached in {@code cacheDir} (read now), fetched with {@code fetch}, the time from {@code clock}. */
    public MtaSts(DnsResolver dns, PolicyFetcher.Settings fetch, Path cacheDir, Clock clock) throws IOException {
        this(dns, new PolicyFetcher(dns, fetch), PolicyCache.open(cacheDir), clock);
    }

    public MtaSts(DnsResolver dns, PolicyFetcher fetcher, PolicyCache cache, Clock clock) {
        this.dns = dns;
        this.fetcher = fetcher;
        this.cache = cache;
        this.clock = clock;
    }

    /** The policy that applies to mail for {@code domain} now (§5.1 step 1). */
    public Policy lookup(String domain) {
        String d = normalize(domain);
        if (d == null) return new Policy.None("\"" + domain + "\" is not a domain name");
        return locked(d, () -> {
            Instant now = clock.instant();
            PolicyCache.Entry cached = valid(d, now);
            return switch (discover(d)) {
                case Discovery.Found(var record) -> {
                    if (cached != null && cached.id().equals(record.id())) yield apply(cached);
                    PolicyCache.Entry fresh = fetch(d, record.id(), cached, now);
                    if (fresh != null) yield apply(fresh);
                    if (cached != null) yield apply(cached); // §3.3: a valid cached policy MUST be applied
                    yield new Policy.TempFail(failures.get(d).reason());
                }
                case Discovery.NotFound(var reason) -> cached != null ? apply(cached) : new Policy.None(reason);
                case Discovery.Trouble(var reason) -> cached != null ? apply(cached) : new Policy.TempFail(reason);
            };
        });
    }

    /**
     * One round of refreshing (§3.3): every cached policy fetched a day ago (or half its
     * {@code max_age} ago, if shorter) is fetched again while its record is still published, so
     * that a policy in use never lapses because nobody happened to mail the domain when its id
     * changed; expired policies are forgotten. A failure is logged and the cached policy stays.
     *
     * @return how many policies were fetched successfully
     */
    public int refreshDue() {
        int refreshed = 0;
        for (PolicyCache.Entry e : cache.entries()) {
            boolean fetched = locked(e.domain(), () -> {
                Instant now = clock.instant();
                PolicyCache.Entry current = valid(e.domain(), now);
                if (current == null || now.isBefore(refreshAt(current))) return false;
                // without a record the policy stays until it expires (§8.3); with DNS trouble, until the next round
                return discover(e.domain()) instanceof Discovery.Found(var record) && fetch(e.domain(), record.id(), current, now) != null;
            });
            if (fetched) refreshed++;
        }
        return refreshed;
    }

    /**
     * Runs {@link #refreshDue} every {@code period} on a virtual thread, until closed: what a
     * server starts next to delivery (once an hour is plenty).
     */
    public AutoCloseable refreshEvery(Duration period) {
        Thread t = Thread.ofVirtual().name("mta-sts-refresh").start(() -> {
            while (true) {
                try {
                    Thread.sleep(period);
                } catch (InterruptedException e) {
                    return;
                }
                try {
                    refreshDue();
                } catch (RuntimeException e) {
                    log.error("mta-sts refresh failed: {}", e.toString()); // the next round tries again
                }
            }
        });
        return t::interrupt;
    }

    /** When a cached policy is due to be fetched again. */
    static Instant refreshAt(PolicyCache.Entry e) {
        Duration half = e.policy().maxAge().dividedBy(2);
        return e.fetched().plus(half.compareTo(REFRESH_AFTER) < 0 ? half : REFRESH_AFTER);
    }

    /** The domain's cached policy if it is still valid; an expired one is forgotten here. */
    private PolicyCache.Entry valid(String domain, Instant now) {
        PolicyCache.Entry e = cache.get(domain).orElse(null);
        if (e == null || e.isValidAt(now)) return e;
        log.info("mta-sts policy expired: domain={} id={} mode={} expired={}", domain, e.id(), e.policy().mode().token(), e.expires());
        try {
            cache.remove(domain);
        } catch (IOException ex) {
            log.error("mta-sts cache: cannot remove the expired policy of {}: {}", domain, ex.getMessage());
        }
        return null;
    }

    /** §3.1: the {@code _mta-sts} TXT record, through the same resolver as mail routing. */
    private Discovery discover(String domain) {
        return switch (dns.txt("_mta-sts." + domain)) {
            case TxtAnswer.Records(var records) -> switch (StsRecord.select(records)) {
                case StsRecord.Parse.Valid(var record) -> new Discovery.Found(record);
                case StsRecord.Parse.Invalid(var reason) -> new Discovery.NotFound("the _mta-sts record is not valid: " + reason);
                case StsRecord.Parse.Absent() -> new Discovery.NotFound("no _mta-sts record");
            };
            case TxtAnswer.NxDomain() -> new Discovery.NotFound("no _mta-sts record");
            case TxtAnswer.NoRecords() -> new Discovery.NotFound("no _mta-sts record");
            case TxtAnswer.TempFail(var reason) -> new Discovery.Trouble("the _mta-sts record: DNS: " + reason);
        };
    }

    /**
     * Fetches the policy of the record {@code id} and caches it; null when the fetch failed, or
     * failed less than {@link #RETRY_FAILED} ago for the same id. Logs the fetch either way.
     */
    private PolicyCache.Entry fetch(String domain, String id, PolicyCache.Entry cached, Instant now) {
        FailedFetch last = failures.get(domain);
        if (last != null && last.id().equals(id) && now.isBefore(last.at().plus(RETRY_FAILED))) return null;
        switch (fetcher.fetch(domain)) {
            case PolicyFetcher.Outcome.Fetched(var policy, var source) -> {
                failures.remove(domain);
                var fresh = new PolicyCache.Entry(domain, id, policy, now);
                log.info("mta-sts fetched: domain={} id={} mode={} mx={} max_age={} from={}", domain, id, policy.mode().token(),
                        String.join(",", policy.mx()), policy.maxAge().toSeconds(), source);
                logChange(cached, fresh);
                try {
                    cache.put(fresh);
                } catch (IOException e) {
                    log.error("mta-sts cache: cannot write the policy of {}: {}; it applies until a restart", domain, e.getMessage());
                }
                return fresh;
            }
            case PolicyFetcher.Outcome.Failed(var failure, var reason) -> {
                if (failures.size() > 10_000) failures.values().removeIf(f -> !now.isBefore(f.at().plus(RETRY_FAILED)));
                failures.put(domain, new FailedFetch(id, now, "the policy of " + domain + " (id " + id + ") could not be fetched: "
                        + failure.resultType() + ": " + reason));
                String outcome = cached == null ? "no policy applies (RFC 8461 §3.3)"
                        : "the cached policy stays (id=" + cached.id() + " mode=" + cached.policy().mode().token() + " until " + cached.expires() + ")";
                // §3.3: administrators are told of failed refreshes, "unless the cached policy mode is none"
                if (cached != null && cached.policy().mode() == StsPolicy.Mode.NONE)
                    log.info("mta-sts fetch failed: domain={} id={} result={} reason={}; {}", domain, id, failure.resultType(), reason, outcome);
                else
                    log.warn("mta-sts fetch failed: domain={} id={} result={} reason={}; {}", domain, id, failure.resultType(), reason, outcome);
                return null;
            }
        }
    }

    private static void logChange(PolicyCache.Entry before, PolicyCache.Entry after) {
        StsPolicy a = after.policy();
        if (before == null) {
            log.info("mta-sts policy new: domain={} mode={} mx={} expires={}", after.domain(), a.mode().token(), String.join(",", a.mx()),
                    after.expires());
        } else if (!before.policy().equals(a)) {
            StsPolicy b = before.policy();
            log.info("mta-sts policy changed: domain={} mode={}->{} mx={}->{} max_age={}->{}", after.domain(), b.mode().token(), a.mode().token(),
                    String.join(",", b.mx()), String.join(",", a.mx()), b.maxAge().toSeconds(), a.maxAge().toSeconds());
        }
    }

    private static Policy apply(PolicyCache.Entry e) {
        return switch (e.policy().mode()) {
            case ENFORCE -> new Policy.Enforce(e.policy());
            case TESTING -> new Policy.Testing(e.policy());
            case NONE -> new Policy.None("the policy of " + e.domain() + " (id " + e.id() + ") has mode none");
        };
    }

    /**
     * Runs {@code body} holding the domain's own lock: one lookup of a domain at a time, and a slow
     * policy host holds up lookups of its domain only. A lock lives while someone holds or awaits it.
     */
    private <T> T locked(String domain, Supplier<T> body) {
        DomainLock l = locks.compute(domain, (k, v) -> {
            DomainLock held = v == null ? new DomainLock() : v;
            held.users++;
            return held;
        });
        l.lock.lock();
        try {
            return body.get();
        } finally {
            l.lock.unlock();
            locks.compute(domain, (k, v) -> --v.users == 0 ? null : v);
        }
    }

    /** A domain's lock, and how many threads hold or await it (changed only inside the map's compute). */
    private static final class DomainLock {
        final ReentrantLock lock = new ReentrantLock();
        int users;
    }

    /** The domain in lower-case ASCII (A-labels) without a trailing dot, or null when it is no domain name. */
    static String normalize(String domain) {
        String d = domain.endsWith(".") ? domain.substring(0, domain.length() - 1) : domain;
        try {
            d = IDN.toASCII(d, IDN.ALLOW_UNASSIGNED).toLowerCase(Locale.ROOT);
        } catch (IllegalArgumentException e) {
            return null;
        }
        if (d.length() > 253 || !d.matches("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*")) return null;
        return d;
    }
}
