package dev.facteur.dane;

import dev.facteur.dns.Tlsa;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Which TLSA records an SMTP client uses. RFC 7672 §3.1: DANE-TA(2) and DANE-EE(3) only
 * (§3.1.3: a client cannot share the server's idea of which public CAs to trust, so PKIX-TA(0)
 * and PKIX-EE(1) are unusable); unknown usages, selectors and matching types, and digests of
 * the wrong length, are unusable too (RFC 7671 §9: "unusable or malformed"). Of the rest, RFC
 * 7672 §5 and RFC 7671 §9 (digest algorithm agility): for each usage and selector, only the
 * strongest digest present counts, beside the Full(0) records, so that a weaker digest an
 * attacker could forge is not enough once a stronger one is published.
 */
public final class Usability {

    private Usability() {}

    /** Digest lengths, and their strength: later is stronger. */
    private static final List<Integer> DIGESTS = List.of(Tlsa.SHA2_256, Tlsa.SHA2_512);
    private static final Map<Integer, Integer> DIGEST_LENGTH = Map.of(Tlsa.SHA2_256, 32, Tlsa.SHA2_512, 64);

    /** Why an SMTP client cannot use {@code record}, or empty when it can. */
    public static Optional<String> whyUnusable(Tlsa record) {
        int usage = record.usage();
        if (usage == Tlsa.PKIX_TA || usage == Tlsa.PKIX_EE)
            return Optional.of(record.mnemonic() + ": PKIX usages are not for SMTP (RFC 7672 §3.1.3)");
        if (usage != Tlsa.DANE_TA && usage != Tlsa.DANE_EE) return Optional.of("unknown certificate usage " + usage);
        if (record.selector() != Tlsa.CERT && record.selector() != Tlsa.SPKI) return Optional.of("unknown selector " + record.selector());
        int type = record.matchingType();
        if (type != Tlsa.FULL && !DIGESTS.contains(type)) return Optional.of("unknown matching type " + type);
        int length = record.data().length;
        if (type == Tlsa.FULL && length == 0) return Optional.of(record.mnemonic() + ": no data");
        if (type != Tlsa.FULL && length != DIGEST_LENGTH.get(type))
            return Optional.of(record.mnemonic() + ": a digest of " + length + " bytes, not " + DIGEST_LENGTH.get(type));
        return Optional.empty();
    }

    /** The records of an RRset an SMTP client uses, in the order given; empty when none is usable. */
    public static List<Tlsa> usable(List<Tlsa> rrset) {
        List<Tlsa> known = rrset.stream().filter(r -> whyUnusable(r).isEmpty()).toList();
        // the strongest digest present for each usage and selector
        Map<List<Integer>, Integer> strongest = known.stream().filter(r -> r.matchingType() != Tlsa.FULL)
                .collect(Collectors.toMap(r -> List.of(r.usage(), r.selector()), Tlsa::matchingType,
                        (a, b) -> DIGESTS.indexOf(a) >= DIGESTS.indexOf(b) ? a : b));
        return known.stream()
                .filter(r -> r.matchingType() == Tlsa.FULL || strongest.get(List.of(r.usage(), r.selector())) == r.matchingType())
                .toList();
    }
}
