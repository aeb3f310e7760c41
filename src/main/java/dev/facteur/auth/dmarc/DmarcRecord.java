package dev.facteur.auth.dmarc;

import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * A DMARC Policy Record (RFC 7489 §6.3, DMARCbis §4.7), as published: the optional tags stay
 * optional so that reports can say what was there; the effective values are methods.
 *
 * @param p         the policy for the domain itself; {@code none} when {@link #pAssumed}
 * @param pAssumed  the record had no valid {@code p} (or an invalid {@code sp}/{@code np}) but a
 *                  valid {@code rua}, so it is read "as if a record containing p=none was
 *                  retrieved" (DMARCbis §4.10.1; RFC 7489 §6.6.3 step 6)
 * @param sp        the policy for existing subdomains, if given
 * @param np        the policy for non-existent subdomains, if given (DMARCbis, RFC 9091)
 * @param adkim     DKIM alignment, relaxed by default
 * @param aspf      SPF alignment, relaxed by default
 * @param psd       whether this is a Public Suffix Domain
 * @param t         the DMARCbis testing flag, if given
 * @param pct       RFC 7489's sampling rate, if given; DMARCbis keeps only {@code pct=0} (= {@code t=y})
 * @param fo        failure-reporting options, normalized ({@code 0}, {@code 1}, {@code d}, {@code s}
 *                  joined by colons in that order); {@code 0} by default
 * @param rua       aggregate-report URIs, malformed ones dropped
 * @param ruf       failure-report URIs, malformed ones dropped
 * @param ri        RFC 7489's requested report interval in seconds (DMARCbis drops the tag)
 */
public record DmarcRecord(Policy p, boolean pAssumed, Optional<Policy> sp, Optional<Policy> np, AlignmentMode adkim,
        AlignmentMode aspf, Psd psd, Optional<Boolean> t, OptionalInt pct, String fo, List<ReportUri> rua,
        List<ReportUri> ruf, long ri) {

    public static final long DEFAULT_INTERVAL = 86_400;

    public DmarcRecord {
        rua = List.copyOf(rua);
        ruf = List.copyOf(ruf);
    }

    /** What a TXT record is, read as a DMARC record. */
    public sealed interface Parse {
        /** A record to use. */
        record Valid(DmarcRecord record) implements Parse {}

        /**
         * A {@code v=DMARC1} record without a valid {@code p} (or with an invalid {@code sp}/{@code np})
         * and without a valid {@code rua}: "the Mail Receiver applies no DMARC processing" (§4.10.1).
         * Found by discovery all the same: it is the domain's record, just an unusable one.
         */
        record Unusable(String reason) implements Parse {}

        /** Not a DMARC record: it does not start with {@code v=DMARC1}. Discovery discards it. */
        record NotDmarc() implements Parse {}
    }

    /** The policy for existing subdomains: {@code sp}, else {@code p}. */
    public Policy subdomainPolicy() {
        return sp.orElse(p);
    }

    /** The policy for non-existent subdomains: {@code np}, else {@code sp}, else {@code p} (§4.7). */
    public Policy nonExistentPolicy() {
        return np.orElse(subdomainPolicy());
    }

    /**
     * Whether the Domain Owner is testing: {@code t=y}, or, for records written for RFC 7489,
     * {@code pct=0}, which DMARCbis Appendix A.6 names as what {@code t=y} replaces. An explicit
     * {@code t} wins over {@code pct}; other {@code pct} values are historic and ignored, so the
     * policy applies in full (the {@code pct=100} reading, A.6's analogue of {@code t=n}).
     */
    public boolean testing() {
        return t.orElse(pct.isPresent() && pct.getAsInt() == 0);
    }

    /** Reads one TXT record (its strings already joined). */
    public static Parse parse(String text) {
        Optional<Map<String, String>> parsed = TagList.parseDmarc1(text);
        if (parsed.isEmpty()) return new Parse.NotDmarc();
        Map<String, String> tags = parsed.get();

        List<ReportUri> rua = tags.containsKey("rua") ? ReportUri.parseList(tags.get("rua")) : List.of();
        List<ReportUri> ruf = tags.containsKey("ruf") ? ReportUri.parseList(tags.get("ruf")) : List.of();
        Optional<Policy> p = Optional.ofNullable(tags.get("p")).flatMap(Policy::parse);
        Optional<Policy> sp = Optional.ofNullable(tags.get("sp")).flatMap(Policy::parse);
        Optional<Policy> np = Optional.ofNullable(tags.get("np")).flatMap(Policy::parse);
        boolean spInvalid = tags.containsKey("sp") && sp.isEmpty();
        boolean npInvalid = tags.containsKey("np") && np.isEmpty();

        boolean assumed = p.isEmpty() || spInvalid || npInvalid;
        if (assumed) {
            if (rua.isEmpty()) {
                String what = p.isEmpty() ? (tags.containsKey("p") ? "an invalid p=" : "no p=") : "an invalid " + (spInvalid ? "sp=" : "np=");
                return new Parse.Unusable("record has " + what + " and no valid rua=");
            }
            // "as if a record containing p=none was retrieved": nothing in it asks for enforcement.
            p = Optional.of(Policy.NONE);
            sp = Optional.empty();
            np = Optional.empty();
        }
        return new Parse.Valid(new DmarcRecord(p.get(), assumed, sp, np,
                alignment(tags.get("adkim")), alignment(tags.get("aspf")), psd(tags.get("psd")), yesNo(tags.get("t")),
                pct(tags.get("pct")), failureOptions(tags.get("fo")), rua, ruf, interval(tags.get("ri"))));
    }

    // Invalid values of the optional tags fall back to their defaults (§4.8: "Syntax errors in the
    // remainder of the record MUST be discarded in favor of default values (if any)").

    private static AlignmentMode alignment(String v) {
        return v != null && v.equalsIgnoreCase("s") ? AlignmentMode.STRICT : AlignmentMode.RELAXED;
    }

    private static Psd psd(String v) {
        if (v == null) return Psd.UNKNOWN;
        return switch (v.toLowerCase(Locale.ROOT)) {
            case "y" -> Psd.YES;
            case "n" -> Psd.NO;
            default -> Psd.UNKNOWN;
        };
    }

    private static Optional<Boolean> yesNo(String v) {
        if (v == null) return Optional.empty();
        return switch (v.toLowerCase(Locale.ROOT)) {
            case "y" -> Optional.of(true);
            case "n" -> Optional.of(false);
            default -> Optional.empty();
        };
    }

    private static OptionalInt pct(String v) {
        if (v == null || !v.matches("\\d{1,3}")) return OptionalInt.empty();
        int n = Integer.parseInt(v);
        return n <= 100 ? OptionalInt.of(n) : OptionalInt.empty();
    }

    private static long interval(String v) {
        if (v == null || !v.matches("\\d{1,9}")) return DEFAULT_INTERVAL;
        long n = Long.parseLong(v);
        return n > 0 ? n : DEFAULT_INTERVAL;
    }

    private enum Fo { ZERO("0"), ONE("1"), D("d"), S("s");
        final String token;
        Fo(String token) { this.token = token; }
    }

    /** {@code dmarc-fo}: a colon-separated set in any order; "0" and "1" exclude each other. */
    private static String failureOptions(String v) {
        if (v == null) return "0";
        Set<Fo> set = EnumSet.noneOf(Fo.class);
        for (String part : v.split(":", -1)) {
            Fo fo = switch (TagList.strip(part).toLowerCase(Locale.ROOT)) {
                case "0" -> Fo.ZERO;
                case "1" -> Fo.ONE;
                case "d" -> Fo.D;
                case "s" -> Fo.S;
                default -> null;
            };
            if (fo == null || !set.add(fo)) return "0";
        }
        if (set.contains(Fo.ZERO) && set.contains(Fo.ONE)) return "0";
        return set.stream().map(f -> f.token).collect(Collectors.joining(":"));
    }
}
