package dev.facteur.policy.check;

import dev.facteur.dns.AddressAnswer;
import dev.facteur.dns.DnsResolver;
import dev.facteur.dns.MxAnswer;
import dev.facteur.dns.PtrAnswer;
import dev.facteur.store.DnsCache;
import dev.facteur.store.StoreUnavailable;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The policy checks' DNS, through the shared store ({@link DnsCache}): the answers of block lists
 * and reverse DNS are kept for their time to live, held between {@code minTtl} and {@code maxTtl}
 * as postscreen's {@code postscreen_dnsbl_min_ttl} and {@code _max_ttl} hold them (60 s and 1 h by
 * default), so that every node of a cluster, and this one after a restart, asks a list once per
 * client in that time. A negative answer (not listed, no PTR) has no TTL here and is kept for
 * {@code minTtl}. Temporary failures are never kept.
 *
 * <p>The store failing never fails a check: DNS is asked directly, and the failure logged at
 * most once a minute. MX lookups (routing's) pass through.
 */
public final class CachedDns implements DnsResolver {

    private static final Logger log = LoggerFactory.getLogger("facteur.policy");
    public static final Duration DEFAULT_MIN_TTL = Duration.ofSeconds(60);
    public static final Duration DEFAULT_MAX_TTL = Duration.ofHours(1);

    private final DnsResolver dns;
    private final DnsCache cache;
    private final Clock clock;
    private final Duration minTtl;
    private final Duration maxTtl;
    private final AtomicLong lastWarning = new AtomicLong(Long.MIN_VALUE);

    public CachedDns(DnsResolver dns, DnsCache cache, Clock clock, Duration minTtl, Duration maxTtl) {
        if (!minTtl.isPositive() || maxTtl.compareTo(minTtl) < 0)
            throw new IllegalArgumentException("DNS cache TTLs: min positive, max at least min: " + minTtl + ", " + maxTtl);
        this.dns = dns;
        this.cache = cache;
        this.clock = clock;
        this.minTtl = minTtl;
        this.maxTtl = maxTtl;
    }

    @Override
    public MxAnswer mx(String domain) {
        return dns.mx(domain);
    }

    @Override
    public AddressAnswer addresses(String host) {
        return cached("addresses:" + host.toLowerCase(Locale.ROOT), () -> dns.timedAddresses(host), CachedDns::addressText,
                CachedDns::addressAnswer);
    }

    @Override
    public AddressAnswer ipv4(String name) {
        return cached("a:" + name.toLowerCase(Locale.ROOT), () -> dns.timedIpv4(name), CachedDns::addressText, CachedDns::addressAnswer);
    }

    @Override
    public PtrAnswer ptr(InetAddress address) {
        return cached("ptr:" + address.getHostAddress(), () -> dns.timedPtr(address), CachedDns::ptrText, CachedDns::ptrAnswer);
    }

    private interface Lookup<A> {
        Timed<A> run();
    }

    /**
     * The answer under {@code key} in the store, or DNS's, then kept. {@code text} writes an answer
     * (null: not to be kept), {@code read} reads one back (null: the record does not read, ask again).
     */
    private <A> A cached(String key, Lookup<A> lookup, Function<A, String> text, Function<String, A> read) {
        try {
            String kept = cache.get(key, clock.instant());
            A answer = kept == null ? null : read.apply(kept);
            if (answer != null) return answer;
        } catch (StoreUnavailable e) {
            warn(e);
            return lookup.run().answer();
        }
        Timed<A> fresh = lookup.run();
        String t = text.apply(fresh.answer());
        if (t != null) {
            try {
                cache.put(key, t, clock.instant(), keptFor(fresh.ttl()));
            } catch (StoreUnavailable e) {
                warn(e);
            }
        }
        return fresh.answer();
    }

    private Duration keptFor(Duration ttl) {
        if (ttl.compareTo(minTtl) < 0) return minTtl;
        return ttl.compareTo(maxTtl) > 0 ? maxTtl : ttl;
    }

    private void warn(StoreUnavailable e) {
        long now = clock.millis();
        long last = lastWarning.get();
        if (now - last >= 60_000 && lastWarning.compareAndSet(last, now))
            log.warn("DNS answers are not shared: the store is unavailable ({}); asking DNS directly", e.getMessage());
    }

    // ---- answers as text: "A addr,addr", "PTR name,name", "NX", "NODATA"

    private static String addressText(AddressAnswer a) {
        return switch (a) {
            case AddressAnswer.Found f -> "A " + String.join(",", f.addresses().stream().map(InetAddress::getHostAddress).toList());
            case AddressAnswer.NxDomain n -> "NX";
            case AddressAnswer.NoRecords n -> "NODATA";
            case AddressAnswer.TempFail t -> null;
        };
    }

    private static AddressAnswer addressAnswer(String text) {
        if (text.equals("NX")) return new AddressAnswer.NxDomain();
        if (text.equals("NODATA")) return new AddressAnswer.NoRecords();
        if (!text.startsWith("A ")) return null;
        List<InetAddress> addresses = new ArrayList<>();
        for (String a : text.substring(2).split(",")) {
            try {
                addresses.add(InetAddress.ofLiteral(a));
            } catch (IllegalArgumentException e) {
                return null;
            }
        }
        return new AddressAnswer.Found(addresses);
    }

    private static String ptrText(PtrAnswer a) {
        return switch (a) {
            case PtrAnswer.Names n -> "PTR " + String.join(",", n.names());
            case PtrAnswer.NxDomain n -> "NX";
            case PtrAnswer.NoRecords n -> "NODATA";
            case PtrAnswer.TempFail t -> null;
        };
    }

    private static PtrAnswer ptrAnswer(String text) {
        if (text.equals("NX")) return new PtrAnswer.NxDomain();
        if (text.equals("NODATA")) return new PtrAnswer.NoRecords();
        if (!text.startsWith("PTR ") || text.length() == 4) return null;
        return new PtrAnswer.Names(List.of(text.substring(4).split(",")));
    }
}
