package dev.facteur.auth.dmarc;

import dev.facteur.auth.dmarc.OrganizationalDomains.Answer;
import dev.facteur.dns.DnsResolver;
import dev.facteur.dns.TxtAnswer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Where an aggregate report may go: the {@code rua} URIs that this receiver supports, up to its
 * limit, each verified when it lies outside the Policy Domain's organization (RFC 7489 §7.1,
 * RFC 9990 §3).
 *
 * <p>Only {@code mailto:} is used. RFC 7489 defines no other transport for aggregate reports,
 * and DMARCbis says that URIs with unsupported schemes "MUST be ignored".
 *
 * <p>A DNS failure while verifying gives {@link Destination.Later}: RFC 9990 §3 step 5 lets the
 * receiver "temporarily fail the delivery so the verification test can be repeated later". The
 * caller keeps the report for that address and verifies again at its next run; when the report
 * is too old to keep, it is dropped for that address only.
 */
public final class ReportDestinations {

    /** What to do about one URI. */
    public sealed interface Destination {
        ReportUri uri();

        /** Send the report to {@code address}. */
        record Send(ReportUri uri, String address) implements Destination {
            /** RFC 7489 §6.2: a report larger than the URI's {@code !size} is not sent there. */
            public boolean accepts(long gzippedSize) {
                return uri.sizeLimit().isEmpty() || gzippedSize <= uri.sizeLimit().getAsLong();
            }
        }

        /** Do not send there; the reason is for the log. */
        record Skip(ReportUri uri, String reason) implements Destination {}

        /** Cannot tell now (DNS); verify again later. */
        record Later(ReportUri uri, String reason) implements Destination {}
    }

    private final DnsResolver dns;
    private final OrganizationalDomains orgDomains;
    private final int maxUris;

    /**
     * @param orgDomains how Organizational Domains are compared (the same method as for evaluation)
     * @param maxUris    how many supported URIs get the report (RFC 7489 §6.2: at least two)
     */
    public ReportDestinations(DnsResolver dns, OrganizationalDomains orgDomains, int maxUris) {
        if (maxUris < 2) throw new IllegalArgumentException("RFC 7489 §6.2: at least two URIs must be supported");
        this.dns = dns;
        this.orgDomains = orgDomains;
        this.maxUris = maxUris;
    }

    /** With the DNS Tree Walk and the RFC's minimum of two URIs. */
    public static List<Destination> verify(DnsResolver dns, String policyDomain, List<ReportUri> rua) {
        return new ReportDestinations(dns, new DnsTreeWalk(dns), 2).verify(policyDomain, rua);
    }

    /** Each URI of the Policy Domain's {@code rua}, in order, with what to do about it. */
    public List<Destination> verify(String policyDomain, List<ReportUri> rua) {
        List<Destination> out = new ArrayList<>();
        Set<String> addresses = new HashSet<>();
        int supported = 0;
        for (ReportUri uri : rua) {
            if (!uri.isMailto()) {
                out.add(new Destination.Skip(uri, "scheme " + uri.scheme() + ": aggregate reports go by mailto: only"));
                continue;
            }
            if (++supported > maxUris) {
                out.add(new Destination.Skip(uri, "beyond the first " + maxUris + " report addresses"));
                continue;
            }
            for (Destination d : verifyOne(policyDomain, uri)) {
                if (d instanceof Destination.Send s && !addresses.add(s.address().toLowerCase(Locale.ROOT))) continue;
                out.add(d);
            }
        }
        return out;
    }

    /** Turns {@code Send}s whose size limit the gzipped report exceeds into {@code Skip}s. */
    public static List<Destination> bySize(List<Destination> destinations, long gzippedSize) {
        return destinations.stream().<Destination>map(d -> d instanceof Destination.Send s && !s.accepts(gzippedSize)
                ? new Destination.Skip(s.uri(), "report of " + gzippedSize + " bytes exceeds the limit of "
                        + s.uri().sizeLimit().getAsLong() + " bytes")
                : d).toList();
    }

    private List<Destination> verifyOne(String policyDomain, ReportUri uri) {
        String address = uri.mailbox().orElseThrow();
        String host = Domains.normalize(address.substring(address.lastIndexOf('@') + 1)).orElseThrow();
        Optional<String> policyOrg = org(policyDomain), hostOrg = org(host);
        if (policyOrg.isEmpty() || hostOrg.isEmpty()) return List.of(new Destination.Later(uri, "DNS did not answer for the Organizational Domains"));
        if (policyOrg.equals(hostOrg)) return List.of(new Destination.Send(uri, address));

        // RFC 9990 §3: <policy domain>._report._dmarc.<destination host>
        String name = policyDomain + "._report._dmarc." + host;
        if (name.length() > 253) return List.of(new Destination.Skip(uri, name + " is too long to ask: external destination not verified"));
        List<String> texts = switch (dns.txt(name)) {
            case TxtAnswer.Records(List<String> records) -> records;
            case TxtAnswer.NxDomain() -> List.of();
            case TxtAnswer.NoRecords() -> List.of();
            case TxtAnswer.TempFail(String reason) -> null;
        };
        if (texts == null) return List.of(new Destination.Later(uri, "TXT " + name + " did not answer"));
        Optional<Map<String, String>> confirmation = texts.stream().map(TagList::parseDmarc1).flatMap(Optional::stream).findFirst();
        if (confirmation.isEmpty()) return List.of(new Destination.Skip(uri, host + " did not authorize reports for " + policyDomain + " (no v=DMARC1 at " + name + ")"));

        String override = confirmation.get().get("rua");
        if (override == null) return List.of(new Destination.Send(uri, address));
        // Step 9: the Report Consumer may replace the address, but only with one at the same host.
        List<ReportUri> replacements = ReportUri.parseList(override).stream().filter(ReportUri::isMailto).toList();
        boolean sameHost = !replacements.isEmpty() && replacements.stream().allMatch(r -> {
            String a = r.mailbox().orElseThrow();
            return Domains.normalize(a.substring(a.lastIndexOf('@') + 1)).map(host::equals).orElse(false);
        });
        if (!sameHost) return List.of(new Destination.Skip(uri, name + " redirects reports to another host: neither address is used"));
        return replacements.stream().<Destination>map(r -> new Destination.Send(r, r.mailbox().orElseThrow())).toList();
    }

    private Optional<String> org(String domain) {
        return switch (orgDomains.organizationalDomain(domain)) {
            case Answer.Found(String org) -> Optional.of(org);
            case Answer.TempFail t -> Optional.empty();
        };
    }
}
