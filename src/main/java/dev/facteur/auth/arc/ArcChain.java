package dev.facteur.auth.arc;

import dev.facteur.auth.dkim.PermFail;
import dev.facteur.auth.dkim.TagList;
import dev.facteur.message.HeaderSection;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * RFC 8617 §5.2 steps 1 to 3: the ARC sets among a message's header fields, and whether they form
 * a chain at all (instances 1 to N without gap, each with exactly one field of each kind, the
 * seals' cv= none at 1 and pass above) before any key is fetched.
 */
final class ArcChain {

    /** What the header fields hold. */
    sealed interface Reading {
        /** No ARC field at all. */
        record Absent() implements Reading {}

        /**
         * ARC fields that do not form a chain. {@code highestInstance} is the greatest instance
         * read (0 when none read), which a sealer numbers its set after (§5.1 step 3);
         * {@code markedFailed}: the newest seal says cv=fail (§5.2 step 2).
         */
        record Broken(String reason, int highestInstance, boolean markedFailed) implements Reading {}

        /** A chain of well-formed sets, instance 1 first. */
        record Chain(List<ArcSet> sets) implements Reading {}
    }

    private ArcChain() {}

    /** The chain in {@code fields}, a message's header fields in order, each whole. */
    static Reading read(List<String> fields) {
        Map<Integer, List<ArcAuthenticationResults>> results = new TreeMap<>();
        Map<Integer, List<String>> signatures = new TreeMap<>();
        Map<Integer, List<String>> seals = new TreeMap<>();
        List<String> unreadable = new ArrayList<>();
        int highest = 0;
        for (String field : fields) {
            String name = HeaderSection.name(field);
            try {
                int instance;
                switch (name) {
                    case ArcAuthenticationResults.FIELD_NAME -> {
                        ArcAuthenticationResults aar = ArcAuthenticationResults.parse(field);
                        instance = aar.instance();
                        results.computeIfAbsent(instance, i -> new ArrayList<>()).add(aar);
                    }
                    case ArcMessageSignature.FIELD_NAME -> {
                        instance = ArcMessageSignature.instanceOf(field);
                        signatures.computeIfAbsent(instance, i -> new ArrayList<>()).add(field);
                    }
                    case ArcSeal.FIELD_NAME -> {
                        instance = ArcTags.instance(TagList.parse(HeaderSection.value(field)));
                        seals.computeIfAbsent(instance, i -> new ArrayList<>()).add(field);
                    }
                    default -> {
                        continue;
                    }
                }
                highest = Math.max(highest, instance);
            } catch (PermFail e) {
                unreadable.add(fieldLabel(name) + ": " + e.getMessage());
            }
        }
        if (highest == 0 && unreadable.isEmpty()) return new Reading.Absent();

        // §5.2 step 2: the newest sealer found the chain failed, and nothing below can change that
        for (String seal : seals.getOrDefault(highest, List.of())) {
            try {
                if (ArcSeal.parse(seal).cv() == ChainValidationStatus.FAIL)
                    return new Reading.Broken("the newest seal, i=" + highest + ", says cv=fail", highest, true);
            } catch (PermFail e) {
                // a seal that does not read fails the structure below
            }
        }
        if (!unreadable.isEmpty()) return new Reading.Broken(unreadable.getFirst(), highest, false);

        List<ArcSet> sets = new ArrayList<>();
        for (int i = 1; i <= highest; i++) {
            String missing = exactlyOne(i, results.get(i), "ARC-Authentication-Results");
            if (missing == null) missing = exactlyOne(i, signatures.get(i), "ARC-Message-Signature");
            if (missing == null) missing = exactlyOne(i, seals.get(i), "ARC-Seal");
            if (missing != null) return new Reading.Broken(missing, highest, false);
            ArcSeal seal;
            try {
                seal = ArcSeal.parse(seals.get(i).getFirst());
            } catch (PermFail e) {
                return new Reading.Broken(e.getMessage(), highest, false);
            }
            ChainValidationStatus expected = i == 1 ? ChainValidationStatus.NONE : ChainValidationStatus.PASS;
            if (seal.cv() != expected)
                return new Reading.Broken("the seal of i=" + i + " says cv=" + seal.cv() + " where a chain needs cv=" + expected, highest, false);
            sets.add(new ArcSet(i, results.get(i).getFirst(), signatures.get(i).getFirst(), seal));
        }
        return new Reading.Chain(List.copyOf(sets));
    }

    /** Why instance {@code i} does not have exactly one field of a kind; null when it does. */
    private static String exactlyOne(int i, List<?> found, String kind) {
        if (found == null) return "instance " + i + " has no " + kind + " (sets must run 1 to N without a gap)";
        if (found.size() > 1) return "instance " + i + " has " + found.size() + " " + kind + " fields";
        return null;
    }

    private static String fieldLabel(String name) {
        return switch (name) {
            case ArcAuthenticationResults.FIELD_NAME -> "ARC-Authentication-Results";
            case ArcMessageSignature.FIELD_NAME -> "ARC-Message-Signature";
            default -> "ARC-Seal";
        };
    }
}
