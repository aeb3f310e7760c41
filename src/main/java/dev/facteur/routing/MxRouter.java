package dev.facteur.routing;

import dev.facteur.dns.AddressAnswer;
import dev.facteur.dns.DnsResolver;
import dev.facteur.dns.Mx;
import dev.facteur.dns.MxAnswer;
import dev.facteur.smtp.Reply;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * RFC 5321 §5.1 routing. MX records are tried by preference (the resolver has shuffled equal
 * ones); a domain without MX is its own implicit MX; RFC 7505 null MX means no mail at all.
 * If we are one of the MX hosts, only the more preferred ones are used, and if none is left the
 * mail would loop back to us (5.4.6). Answers are cached for a minute on top of the DNS cache
 * (whose TTLs still bound how stale the records themselves can be, give or take that minute).
 */
public final class MxRouter {

    private final DnsResolver dns;
    private final int port;
    private final String ourName;
    private final Set<InetAddress> ourAddresses;
    private final boolean allowAddressLiterals;

    public MxRouter(DnsResolver dns, int port, String ourName, Set<InetAddress> ourAddresses, boolean allowAddressLiterals) {
        this.dns = dns;
        this.port = port;
        this.ourName = ourName.toLowerCase(Locale.ROOT);
        this.ourAddresses = Set.copyOf(ourAddresses);
        this.allowAddressLiterals = allowAddressLiterals;
    }

    /** Routes recently worked out, kept briefly: a busy destination is looked up once a minute, not per message. */
    private record Cached(Route route, long until) {}

    private static final long CACHE_NANOS = java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
    private static final int CACHE_MAX = 10_000;
    private final java.util.concurrent.ConcurrentHashMap<String, Cached> cache = new java.util.concurrent.ConcurrentHashMap<>();

    /** The port of remote servers ({@code [delivery] remote_port}). */
    public int defaultPort() {
        return port;
    }

    /** The servers for a domain (MX routing) on the configured remote port. */
    public Route route(String domain) {
        return route(domain, port);
    }

    /** The servers for a domain (MX routing), on {@code port}. */
    public Route route(String domain, int port) {
        if (domain.startsWith("[")) return literal(domain, port);
        String d = domain.toLowerCase(Locale.ROOT);
        String key = d + ":" + port;
        long now = System.nanoTime();
        Cached c = cache.get(key);
        if (c != null && now - c.until < 0) return c.route;
        Route r = resolve(d, port);
        if (!(r instanceof Route.Temporary)) { // DNS trouble is asked again next time
            if (cache.size() >= CACHE_MAX) cache.clear();
            cache.put(key, new Cached(r, now + CACHE_NANOS));
        }
        return r;
    }

    /**
     * One named server, no MX lookup (a transport map's {@code smtp:[host]:port}, a smarthost, an
     * LMTP server): its addresses, or the address itself. The operator chose it, so no loop check.
     */
    public Route direct(String host, int port) {
        InetAddress literal = literalHost(host);
        if (literal != null) return new Route.Hops(List.of(new Hop(host, literal, port)));
        return switch (dns.addresses(host.toLowerCase(Locale.ROOT))) {
            case AddressAnswer.Found f -> new Route.Hops(f.addresses().stream().map(a -> new Hop(host, a, port)).toList());
            case AddressAnswer.TempFail t -> new Route.Temporary(new Reply(451, "4.4.3", "Address lookup for " + host + " failed: " + t.reason()));
            default -> new Route.Temporary(new Reply(451, "4.4.4", "Relay host " + host + " has no address"));
        };
    }

    private Route resolve(String d, int port) {
        return switch (dns.mx(d)) {
            case MxAnswer.Records r -> viaMx(d, r.mxs(), port);
            case MxAnswer.NoRecords n -> implicitMx(d, port);
            case MxAnswer.NullMx n -> new Route.Permanent(new Reply(556, "5.1.10", "Domain " + d + " accepts no mail (null MX, RFC 7505)"));
            case MxAnswer.NxDomain n -> new Route.Permanent(new Reply(550, "5.1.2", "Domain " + d + " does not exist"));
            case MxAnswer.TempFail t -> new Route.Temporary(new Reply(451, "4.4.3", "MX lookup for " + d + " failed: " + t.reason()));
        };
    }

    private Route literal(String domain, int port) {
        if (!allowAddressLiterals) return new Route.Permanent(new Reply(550, "5.1.2", "Delivery to address literals is disabled"));
        String body = domain.substring(1, domain.length() - 1);
        if (body.regionMatches(true, 0, "IPv6:", 0, 5)) body = body.substring(5);
        InetAddress a;
        try {
            a = InetAddress.ofLiteral(body);
        } catch (IllegalArgumentException e) {
            return new Route.Permanent(new Reply(550, "5.1.2", "Bad address literal " + domain));
        }
        if (isUs(a)) return new Route.Permanent(new Reply(550, "5.4.6", "Mail for " + domain + " loops back to myself"));
        return new Route.Hops(List.of(new Hop(domain, a, port)));
    }

    private Route implicitMx(String d, int port) {
        return switch (dns.addresses(d)) {
            case AddressAnswer.Found f -> hops(d, f.addresses(), port)
                    .<Route>map(Route.Hops::new)
                    .orElseGet(() -> new Route.Permanent(new Reply(550, "5.4.6", "Mail for " + d + " loops back to myself")));
            case AddressAnswer.NxDomain n -> new Route.Permanent(new Reply(550, "5.1.2", "Domain " + d + " does not exist"));
            case AddressAnswer.NoRecords n -> new Route.Permanent(new Reply(550, "5.1.2", "Domain " + d + " has no MX and no address"));
            case AddressAnswer.TempFail t -> new Route.Temporary(new Reply(451, "4.4.3", "Address lookup for " + d + " failed: " + t.reason()));
        };
    }

    private Route viaMx(String d, List<Mx> mxs, int port) {
        // §5.1: when we are an MX ourselves, only strictly more preferred hosts may be used.
        int ourPreference = Integer.MAX_VALUE;
        for (Mx mx : mxs) if (mx.host().equals(ourName)) ourPreference = Math.min(ourPreference, mx.preference());
        List<Hop> out = new ArrayList<>();
        String tempFailure = null;
        boolean sawUs = ourPreference != Integer.MAX_VALUE;
        for (Mx mx : mxs) {
            if (mx.preference() >= ourPreference) break;
            List<InetAddress> addresses;
            InetAddress literal = literalHost(mx.host());
            if (literal != null) {
                addresses = List.of(literal); // not RFC-clean, but widely accepted: see Mx
            } else {
                switch (dns.addresses(mx.host())) {
                    case AddressAnswer.Found f -> addresses = f.addresses();
                    case AddressAnswer.TempFail t -> {
                        tempFailure = t.reason();
                        continue;
                    }
                    default -> {
                        continue; // an MX host that does not exist is skipped, as other MTAs do
                    }
                }
            }
            if (addresses.stream().anyMatch(this::isUs)) {
                sawUs = true;
                break; // this and every less preferred host would loop
            }
            out.addAll(hops(mx.host(), addresses, port).orElse(List.of()));
        }
        if (!out.isEmpty()) return new Route.Hops(out);
        if (tempFailure != null) return new Route.Temporary(new Reply(451, "4.4.3", "Address lookup for MX of " + d + " failed: " + tempFailure));
        if (sawUs) return new Route.Permanent(new Reply(550, "5.4.6", "Mail for " + d + " loops back to myself"));
        return new Route.Permanent(new Reply(550, "5.4.4", "No MX host of " + d + " has an address"));
    }

    private java.util.Optional<List<Hop>> hops(String host, List<InetAddress> addresses, int port) {
        if (addresses.stream().anyMatch(this::isUs)) return java.util.Optional.empty();
        return java.util.Optional.of(addresses.stream().map(a -> new Hop(host, a, port)).toList());
    }

    private static InetAddress literalHost(String host) {
        if (!host.chars().allMatch(c -> Character.digit(c, 16) >= 0 || c == '.' || c == ':')) return null;
        try {
            return InetAddress.ofLiteral(host);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private boolean isUs(InetAddress a) {
        return ourAddresses.contains(a);
    }
}
