package dev.facteur.auth.dkim;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Which keys sign a message: by default those of its {@code From:} domain, or of the nearest
 * parent domain that has keys (a signature by {@code example.org} aligns with
 * {@code From: news.example.org} under DMARC's relaxed alignment); a rule may name the signing
 * domain for a login or for a {@code From:} domain instead (a service that signs for its customers).
 * Every key of the signing domain signs: an RSA and an Ed25519 key give two signatures, and a
 * new selector signs beside the old one while receivers' caches learn it.
 */
public final class Signers {

    /** A rule: mail of this login, or with this {@code From:} domain, is signed by {@code domain}. Exactly one of the two is set. */
    public record Rule(String login, String fromDomain, String domain) {
        public Rule {
            if ((login == null) == (fromDomain == null)) throw new IllegalArgumentException("a rule names a login or a From domain");
            fromDomain = fromDomain == null ? null : fromDomain.toLowerCase(Locale.ROOT);
            domain = domain.toLowerCase(Locale.ROOT);
        }
    }

    public static final Signers NONE = new Signers(List.of(), List.of());

    private final Map<String, List<SigningKey>> byDomain = new LinkedHashMap<>();
    private final List<Rule> rules;

    public Signers(List<SigningKey> keys, List<Rule> rules) {
        for (SigningKey k : keys) byDomain.computeIfAbsent(k.domain(), d -> new ArrayList<>()).add(k);
        for (Rule r : rules)
            if (!byDomain.containsKey(r.domain())) throw new IllegalArgumentException("no key for " + r.domain() + ", which a rule signs with");
        this.rules = List.copyOf(rules);
    }

    public boolean isEmpty() {
        return byDomain.isEmpty();
    }

    /** Every key, grouped by signing domain in the order configured (what {@code facteur doctor} checks against DNS). */
    public List<SigningKey> keys() {
        return byDomain.values().stream().flatMap(List::stream).toList();
    }

    /** The keys for a message from {@code fromDomain} sent by {@code login} (null when none): empty when none applies. */
    public List<SigningKey> keysFor(String fromDomain, String login) {
        String from = fromDomain.toLowerCase(Locale.ROOT);
        for (Rule r : rules) if (login != null && login.equals(r.login())) return byDomain.get(r.domain());
        for (Rule r : rules) if (from.equals(r.fromDomain())) return byDomain.get(r.domain());
        for (String d = from; d != null; d = parent(d)) {
            List<SigningKey> keys = byDomain.get(d);
            if (keys != null) return List.copyOf(keys);
        }
        return List.of();
    }

    /** The domain one label up, or null at the last label (a key for a TLD never signs). */
    private static String parent(String domain) {
        int dot = domain.indexOf('.');
        return dot < 0 || domain.indexOf('.', dot + 1) < 0 ? null : domain.substring(dot + 1);
    }
}
