package dev.facteur.dns;

import dev.facteur.metrics.DnsMetrics;
import dev.facteur.metrics.Metrics;
import dev.facteur.net.HostPort;
import java.net.IDN;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.Cache;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Lookup;
import org.xbill.DNS.MXRecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.PTRRecord;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.Record;
import org.xbill.DNS.Resolver;
import org.xbill.DNS.ResolverConfig;
import org.xbill.DNS.ReverseMap;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/**
 * {@link DnsResolver} on dnsjava. It asks recursive servers (those given, or with none those of
 * {@code /etc/resolv.conf} as dnsjava reads it; see {@link RecursiveServers} for timeouts and
 * retries) and keeps answers in a bounded cache for their TTL. NXDOMAIN and NODATA are cached
 * too, for the SOA minimum (RFC 2308), when the server sends the SOA with them.
 *
 * <p>dnsjava's {@link Lookup} comes with process-wide defaults (resolver, cache, search path,
 * {@code /etc/hosts}); every lookup here replaces all of them, so two instances never share state.
 */
public final class DnsJavaResolver implements DnsResolver {

    /** Names kept in the cache at most (all types of one name are one entry); the oldest go first. */
    public static final int DEFAULT_CACHE_ENTRIES = 10_000;

    private final Resolver resolver;
    private final Cache cache;
    private final DnsMetrics metrics;

    public DnsJavaResolver(List<HostPort> servers, Duration timeout, int retries) {
        this(servers, timeout, retries, DEFAULT_CACHE_ENTRIES);
    }

    /**
     * @param servers recursive servers, as IP addresses; empty means the system's (resolv.conf)
     * @param timeout how long to wait for one answer from one server
     * @param retries how many more times each server is asked after its first try
     * @param cacheEntries how many names the cache holds at most
     */
    public DnsJavaResolver(List<HostPort> servers, Duration timeout, int retries, int cacheEntries) {
        this(resolver(servers, timeout, retries), cache(cacheEntries));
    }

    /** Any dnsjava resolver: tests pass a fake server. */
    DnsJavaResolver(Resolver resolver, Cache cache) {
        this(resolver, cache, Metrics.NONE.dns());
    }

    private DnsJavaResolver(Resolver resolver, Cache cache, DnsMetrics metrics) {
        this.resolver = resolver;
        this.cache = cache;
        this.metrics = metrics;
    }

    /** This resolver, with the same servers and cache, counting and timing its lookups in {@code m}. */
    public DnsJavaResolver measuredBy(DnsMetrics m) {
        return new DnsJavaResolver(resolver, cache, m);
    }

    @Override
    public MxAnswer mx(String domain) {
        Name name = absoluteName(domain);
        if (name == null) return new MxAnswer.NxDomain();
        return switch (query(name, Type.MX)) {
            case Answer.Found(var records) -> mxAnswer(records);
            case Answer.NoData() -> new MxAnswer.NoRecords();
            case Answer.NxDomain() -> new MxAnswer.NxDomain();
            case Answer.TempFail(var reason) -> new MxAnswer.TempFail(reason);
        };
    }

    @Override
    public AddressAnswer addresses(String host) {
        return timedAddresses(host).answer();
    }

    @Override
    public Timed<AddressAnswer> timedAddresses(String host) {
        Name name = absoluteName(host);
        if (name == null) return new Timed<>(new AddressAnswer.NxDomain(), Duration.ZERO);
        // Both families are needed: ask at once, so that a silent server costs one timeout, not two.
        var aaaa = new FutureTask<>(() -> query(name, Type.AAAA));
        Thread.ofVirtual().start(aaaa);
        Answer v4 = query(name, Type.A);
        Answer v6;
        try {
            v6 = aaaa.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Timed<>(new AddressAnswer.TempFail("interrupted"), Duration.ZERO);
        } catch (ExecutionException e) {
            v6 = new Answer.TempFail("AAAA " + name + ": " + e.getCause());
        }
        return new Timed<>(addressAnswer(v6, v4), ttl(v6, v4));
    }

    @Override
    public AddressAnswer ipv4(String name) {
        return timedIpv4(name).answer();
    }

    @Override
    public Timed<AddressAnswer> timedIpv4(String name) {
        return oneFamily(name, Type.A);
    }

    @Override
    public AddressAnswer ipv6(String name) {
        return oneFamily(name, Type.AAAA).answer();
    }

    private Timed<AddressAnswer> oneFamily(String name, int type) {
        Name absolute = absoluteName(name);
        if (absolute == null) return new Timed<>(new AddressAnswer.NxDomain(), Duration.ZERO);
        Answer a = query(absolute, type);
        return new Timed<>(switch (a) {
            case Answer.Found(var records) -> {
                List<InetAddress> found = records.stream().flatMap(DnsJavaResolver::address).toList();
                yield found.isEmpty() ? new AddressAnswer.NoRecords() : new AddressAnswer.Found(found);
            }
            case Answer.NoData() -> new AddressAnswer.NoRecords();
            case Answer.NxDomain() -> new AddressAnswer.NxDomain();
            case Answer.TempFail(var reason) -> new AddressAnswer.TempFail(reason);
        }, ttl(a));
    }

    @Override
    public PtrAnswer ptr(InetAddress address) {
        return timedPtr(address).answer();
    }

    @Override
    public Timed<PtrAnswer> timedPtr(InetAddress address) {
        // CNAMEs are followed: RFC 2317 delegates reverse zones smaller than a /24 through them.
        Answer a = query(ReverseMap.fromAddress(address), Type.PTR);
        return new Timed<>(switch (a) {
            case Answer.Found(var records) -> {
                List<String> names = records.stream().flatMap(r -> r instanceof PTRRecord p ? Stream.of(p.getTarget()) : Stream.empty())
                        .map(n -> n.toString(true).toLowerCase(Locale.ROOT)).distinct().toList();
                yield names.isEmpty() ? new PtrAnswer.NoRecords() : new PtrAnswer.Names(names);
            }
            case Answer.NoData() -> new PtrAnswer.NoRecords();
            case Answer.NxDomain() -> new PtrAnswer.NxDomain();
            case Answer.TempFail(var reason) -> new PtrAnswer.TempFail(reason);
        }, ttl(a));
    }

    @Override
    public TxtAnswer txt(String name) {
        Name absolute = absoluteName(name);
        if (absolute == null) return new TxtAnswer.NxDomain();
        return switch (query(absolute, Type.TXT)) {
            case Answer.Found(var records) -> {
                List<String> joined = records.stream().flatMap(r -> r instanceof TXTRecord t ? Stream.of(t) : Stream.empty())
                        .map(t -> String.join("", t.getStrings())).toList();
                yield joined.isEmpty() ? new TxtAnswer.NoRecords() : new TxtAnswer.Records(joined);
            }
            case Answer.NoData() -> new TxtAnswer.NoRecords();
            case Answer.NxDomain() -> new TxtAnswer.NxDomain();
            case Answer.TempFail(var reason) -> new TxtAnswer.TempFail(reason);
        };
    }

    /** The lowest TTL of the records found in these answers; zero when none has records. */
    private static Duration ttl(Answer... answers) {
        long least = Long.MAX_VALUE;
        for (Answer a : answers)
            if (a instanceof Answer.Found(var records)) for (Record r : records) least = Math.min(least, r.getTTL());
        return least == Long.MAX_VALUE ? Duration.ZERO : Duration.ofSeconds(least);
    }

    /** One lookup's outcome, before it is said in MX or address terms. */
    private sealed interface Answer {
        record Found(List<Record> records) implements Answer {}
        record NoData() implements Answer {}
        record NxDomain() implements Answer {}
        record TempFail(String reason) implements Answer {}
    }

    private Answer query(Name name, int type) {
        var lookup = new Lookup(name, type);
        lookup.setResolver(resolver);
        lookup.setCache(cache);
        lookup.setSearchPath(List.of());   // the names are absolute already; belt and braces
        lookup.setHostsFileParser(null);   // /etc/hosts is not DNS: "localhost" as an MX must not mean this host
        long start = System.nanoTime();
        Record[] records = lookup.run();
        Answer answer = switch (lookup.getResult()) {
            case Lookup.SUCCESSFUL -> new Answer.Found(List.of(records));
            case Lookup.HOST_NOT_FOUND -> new Answer.NxDomain();
            case Lookup.TYPE_NOT_FOUND -> new Answer.NoData();
            // TRY_AGAIN is a timeout, a network error, SERVFAIL or REFUSED; UNRECOVERABLE a CNAME loop
            // or a referral from a server that does not recurse. Neither is the domain's final word.
            default -> new Answer.TempFail(Type.string(type) + " " + name + ": " + lookup.getErrorString());
        };
        metrics.lookedUp(type, switch (answer) {
            case Answer.Found f -> DnsMetrics.Result.FOUND;
            case Answer.NoData n -> DnsMetrics.Result.NODATA;
            case Answer.NxDomain n -> DnsMetrics.Result.NXDOMAIN;
            case Answer.TempFail t -> DnsMetrics.Result.TEMPFAIL;
        }, System.nanoTime() - start);
        return answer;
    }

    static MxAnswer mxAnswer(List<Record> records) {
        var hosts = new ArrayList<Mx>();
        boolean nullMx = false;
        for (Record r : records) {
            if (!(r instanceof MXRecord mx)) continue;
            if (mx.getTarget().equals(Name.root)) nullMx = true;
            else hosts.add(new Mx(mx.getPriority(), mx.getTarget().toString(true)));
        }
        // RFC 7505 §3: "MX 0 ." says the domain takes no mail. A "." published beside real exchangers
        // breaks that RFC; those exchangers are still the only places mail can go, so keep them.
        if (hosts.isEmpty()) return nullMx ? new MxAnswer.NullMx() : new MxAnswer.NoRecords();
        // RFC 5321 §5.1: exchangers of equal preference MUST be tried in random order. Records sorts
        // by preference stably, so shuffling first randomises each preference level.
        Collections.shuffle(hosts, ThreadLocalRandom.current());
        return new MxAnswer.Records(hosts);
    }

    /** One family's addresses are enough to try delivery; the other failing only costs alternatives. */
    private static AddressAnswer addressAnswer(Answer v6, Answer v4) {
        List<InetAddress> found = Stream.of(v6, v4)
                .flatMap(a -> a instanceof Answer.Found(var records) ? records.stream() : Stream.empty())
                .flatMap(DnsJavaResolver::address)
                .toList();
        if (!found.isEmpty()) return new AddressAnswer.Found(found);
        if (v6 instanceof Answer.TempFail(var reason)) return new AddressAnswer.TempFail(reason);
        if (v4 instanceof Answer.TempFail(var reason)) return new AddressAnswer.TempFail(reason);
        if (v6 instanceof Answer.NxDomain && v4 instanceof Answer.NxDomain) return new AddressAnswer.NxDomain();
        return new AddressAnswer.NoRecords();
    }

    static Stream<InetAddress> address(Record r) {
        return switch (r) {
            case ARecord a -> Stream.of(a.getAddress());
            case AAAARecord a -> Stream.of(a.getAddress());
            default -> Stream.empty();
        };
    }

    /**
     * The absolute name for a domain as a mail address writes it, or null when DNS cannot hold it
     * (such a name cannot exist, so callers answer NXDOMAIN). UTF-8 domains (RFC 6531) are looked
     * up by their A-labels; {@link IDN} implements IDNA2003, close enough for lookups.
     */
    static Name absoluteName(String domain) {
        try {
            return Name.fromString(IDN.toASCII(domain, IDN.ALLOW_UNASSIGNED), Name.root);
        } catch (IllegalArgumentException | TextParseException e) {
            return null;
        }
    }

    static Resolver resolver(List<HostPort> servers, Duration timeout, int retries) {
        List<InetSocketAddress> addresses = servers.isEmpty()
                ? ResolverConfig.getCurrentConfig().servers()
                : servers.stream().map(DnsJavaResolver::socketAddress).toList();
        return new RecursiveServers(addresses, timeout, retries);
    }

    /** A DNS server must be an address: finding it by name would need DNS. */
    private static InetSocketAddress socketAddress(HostPort server) {
        try {
            return new InetSocketAddress(InetAddress.ofLiteral(server.host()), server.port());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("DNS server must be an IP address: " + server, e);
        }
    }

    private static Cache cache(int entries) {
        if (entries < 1) throw new IllegalArgumentException("DNS cache size must be positive: " + entries);
        var cache = new Cache(DClass.IN);
        cache.setMaxEntries(entries);
        return cache;
    }
}
