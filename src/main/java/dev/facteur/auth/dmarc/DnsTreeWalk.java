package dev.facteur.auth.dmarc;

import dev.facteur.auth.dmarc.DmarcLookups.AtName;
import dev.facteur.dns.DnsResolver;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * DMARCbis §4.10: the DNS Tree Walk, for policy discovery (§4.10.1) and Organizational Domains
 * (§4.10.2). It keeps the answers it got, so make one per message.
 */
public final class DnsTreeWalk implements Discovery {

    /** §4.10: "Author Domains with more than eight labels do not result in more than eight DNS queries." */
    static final int MAX_QUERIES = 8;

    private final DmarcLookups lookups;

    public DnsTreeWalk(DnsResolver dns) {
        this(new DmarcLookups(dns));
    }

    DnsTreeWalk(DmarcLookups lookups) {
        this.lookups = lookups;
    }

    @Override
    public OrgDomainMethod method() {
        return OrgDomainMethod.TREE_WALK;
    }

    /**
     * The names a full walk from {@code start} asks about, in order (steps 1 to 7): the start;
     * then, if it has eight labels or more, its last seven, else its parent; then one label
     * fewer each time, down to the top-level domain.
     */
    public static List<String> queryNames(String start) {
        List<String> names = new ArrayList<>();
        names.add(start);
        int labels = Domains.labelCount(start);
        for (int n = Math.min(labels - 1, MAX_QUERIES - 1); n >= 1; n--) names.add(Domains.lastLabels(start, n));
        return names;
    }

    /** A record the walk found, and its name. */
    private record Seen(String name, Psd psd, AtName at) {}

    private sealed interface Walk {
        record Done(List<Seen> seen) implements Walk {}

        record TempFail(String reason) implements Walk {}
    }

    /** Steps 1 to 7: records found from {@code start} upwards, stopping at the first with a psd= flag. */
    private Walk walk(String start) {
        List<Seen> seen = new ArrayList<>();
        for (String name : queryNames(start)) {
            switch (lookups.at(name)) {
                case AtName.TempFail(String reason) -> {
                    return new Walk.TempFail(reason);
                }
                case AtName.Nothing n -> {}
                case AtName.Unusable u -> seen.add(new Seen(name, Psd.UNKNOWN, u));
                case AtName.Record r -> {
                    seen.add(new Seen(name, r.record().psd(), r));
                    if (r.record().psd() != Psd.UNKNOWN) return new Walk.Done(seen);
                }
            }
        }
        return new Walk.Done(seen);
    }

    /**
     * §4.10.2, from the longest name found to the shortest: a {@code psd=n} record's domain; else,
     * for a {@code psd=y} record other than the start's, the domain one label below it; else the
     * record with the fewest labels; and with no record at all, the start itself.
     */
    private static String organizationalDomain(String start, List<Seen> seen) {
        for (Seen s : seen) {
            if (s.psd() == Psd.NO) return s.name();
            if (s.psd() == Psd.YES && !s.name().equals(start)) {
                return Domains.lastLabels(start, Domains.labelCount(s.name()) + 1);
            }
        }
        return seen.isEmpty() ? start : seen.getLast().name();
    }

    @Override
    public Answer organizationalDomain(String domain) {
        Optional<String> start = Domains.normalize(domain);
        if (start.isEmpty()) return new Answer.Found(domain);
        return switch (walk(start.get())) {
            case Walk.Done(List<Seen> seen) -> new Answer.Found(organizationalDomain(start.get(), seen));
            case Walk.TempFail(String reason) -> new Answer.TempFail(reason);
        };
    }

    /**
     * §4.10.1: the Author Domain's own record; else the record of its Organizational Domain; else,
     * when a suffix operator said {@code psd=y}, the PSD's record. A record between the Author
     * Domain and the Organizational Domain that is neither does not apply.
     */
    @Override
    public PolicyDiscovery policy(String authorDomain) {
        AtName own = lookups.at(authorDomain);
        if (!(own instanceof AtName.Nothing)) return discovered(own);
        return switch (walk(authorDomain)) {
            case Walk.TempFail(String reason) -> new PolicyDiscovery.TempFail(reason);
            case Walk.Done(List<Seen> seen) -> {
                String org = organizationalDomain(authorDomain, seen);
                AtName atOrg = lookups.at(org);
                if (!(atOrg instanceof AtName.Nothing)) yield discovered(atOrg);
                yield seen.stream().filter(s -> s.psd() == Psd.YES).findFirst()
                        .map(s -> discovered(s.at()))
                        .orElseGet(() -> new PolicyDiscovery.NoPolicy("no DMARC record for " + authorDomain
                                + " or its Organizational Domain " + org));
            }
        };
    }

    static PolicyDiscovery discovered(AtName at) {
        return switch (at) {
            case AtName.Record(String name, DmarcRecord record) -> new PolicyDiscovery.Found(name, record);
            case AtName.Unusable(String name, String reason) -> new PolicyDiscovery.Unusable(name, reason);
            case AtName.Nothing(String note) -> new PolicyDiscovery.NoPolicy(note);
            case AtName.TempFail(String reason) -> new PolicyDiscovery.TempFail(reason);
        };
    }
}
