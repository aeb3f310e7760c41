package dev.facteur.auth.dmarc;

import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * What to do with a message by the number of distinct domains in its RFC5322.From field.
 *
 * <p>DMARCbis §5.3.1 stops when there is not exactly one, but allows going on; §11.5 warns that
 * attackers add a second From domain to dodge DMARC and recommends, when going on, evaluating
 * each domain and applying the strictest failing policy, with a limit against denial of
 * service. Facteur does that: up to a limit ({@link DmarcSettings#maxAuthorDomains()}), each
 * domain is evaluated ({@link DmarcEvaluator#evaluateAll}); beyond it the message is refused,
 * since an incomplete evaluation cannot be trusted and such messages are nearly always abusive.
 * No domain at all (RFC 5322 requires a From) is the caller's to refuse as malformed.
 */
public sealed interface AuthorDomains {

    /** The usual case: one domain to evaluate. */
    record One(String domain) implements AuthorDomains {}

    /** A few domains: evaluate each and take the strictest verdict. */
    record Several(List<String> domains) implements AuthorDomains {}

    /** More than the limit: refuse the message (e.g. 550 5.7.1) rather than evaluate it. */
    record TooMany(List<String> domains) implements AuthorDomains {}

    /** No From domain: the message is malformed and DMARC cannot say anything. */
    record NoDomain() implements AuthorDomains {}

    /** Classifies the From domains (duplicates, differing only in case, count once). */
    static AuthorDomains of(List<String> fromDomains, int limit) {
        Set<String> distinct = new LinkedHashSet<>();
        for (String d : fromDomains) {
            String key = d.strip().toLowerCase(Locale.ROOT);
            if (key.endsWith(".")) key = key.substring(0, key.length() - 1);
            if (!key.isEmpty()) distinct.add(key);
        }
        List<String> list = List.copyOf(distinct);
        if (list.isEmpty()) return new NoDomain();
        if (list.size() == 1) return new One(list.getFirst());
        return list.size() <= limit ? new Several(list) : new TooMany(list);
    }

    /** Public entry point with the operator's limit. */
    static AuthorDomains of(List<String> fromDomains, DmarcSettings settings) {
        return of(fromDomains, settings.maxAuthorDomains());
    }

    /**
     * The combined verdict of several: a failure asking for reject; else a temperror (a reject may
     * hide behind it, so the message should be tried again); else the strictest other failure;
     * then permerror, none; pass only if every domain passed.
     */
    static DmarcResult strictest(List<DmarcResult> results) {
        return results.stream().max(Comparator.comparingInt(AuthorDomains::severity)).orElseThrow();
    }

    private static int severity(DmarcResult r) {
        return switch (r) {
            case DmarcResult.Fail f -> 10 + 2 * f.disposition().ordinal(); // none 10, quarantine 12, reject 14
            case DmarcResult.TempError t -> 13;
            case DmarcResult.PermError p -> 3;
            case DmarcResult.None n -> 2;
            case DmarcResult.Pass p -> 1;
        };
    }
}
