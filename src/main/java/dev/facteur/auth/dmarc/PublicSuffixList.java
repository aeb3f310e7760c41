package dev.facteur.auth.dmarc;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.IDN;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * The Public Suffix List (https://publicsuffix.org/list/) and its algorithm, for the RFC 7489
 * §3.2 Organizational Domain: the public suffix plus one label.
 *
 * <p>Rules: a rule matches a domain when its labels equal the domain's rightmost labels, a
 * {@code *} label matching any one label. Of the matching rules an exception ({@code !}) prevails,
 * else the one with most labels; with none matching, the implicit rule {@code *} makes the
 * top-level label the suffix, so unlisted TLDs still have Organizational Domains. An exception
 * rule's suffix is the rule without its leftmost label.
 *
 * <p>Sections: both ICANN and PRIVATE rules are used by default. A PRIVATE entry such as
 * {@code blogspot.com} marks names below it as held by unrelated people, which is exactly what
 * relaxed alignment must not lump together. {@link #load(Path, boolean)} can leave them out.
 *
 * <p>Rules are kept as A-labels, since DMARC compares A-labels (DMARCbis §5.3.1).
 */
public final class PublicSuffixList implements OrganizationalDomains {

    static final String RESOURCE = "public_suffix_list.dat";

    private final Set<String> rules;
    private final Set<String> wildcards; // "ck" for the rule "*.ck"
    private final Set<String> exceptions; // "www.ck" for the rule "!www.ck"

    private PublicSuffixList(Set<String> rules, Set<String> wildcards, Set<String> exceptions) {
        this.rules = rules;
        this.wildcards = wildcards;
        this.exceptions = exceptions;
    }

    /** The copy shipped with Facteur, both sections. */
    public static PublicSuffixList bundled() {
        return bundled(true);
    }

    /** The copy shipped with Facteur. */
    public static PublicSuffixList bundled(boolean privateSection) {
        try (InputStream in = PublicSuffixList.class.getResourceAsStream(RESOURCE)) {
            if (in == null) throw new IllegalStateException(RESOURCE + " is missing from the classpath");
            return read(in, privateSection);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** An operator's copy (e.g. a fresh download), so the list can be updated without a release. */
    public static PublicSuffixList load(Path file, boolean privateSection) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return read(in, privateSection);
        }
    }

    /** Reads the list's text format: one rule per line, the first word of it; {@code //} comments. */
    public static PublicSuffixList read(InputStream in, boolean privateSection) throws IOException {
        Set<String> rules = new HashSet<>(), wildcards = new HashSet<>(), exceptions = new HashSet<>();
        var reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        boolean inPrivate = false;
        for (String line; (line = reader.readLine()) != null; ) {
            String l = line.strip();
            if (l.startsWith("//")) {
                if (l.contains("===BEGIN PRIVATE DOMAINS===")) inPrivate = true;
                if (l.contains("===END PRIVATE DOMAINS===")) inPrivate = false;
                continue;
            }
            if (l.isEmpty() || inPrivate && !privateSection) continue;
            String rule = l.split("\\s", 2)[0];
            if (rule.startsWith("!")) {
                ascii(rule.substring(1)).ifPresent(exceptions::add);
            } else if (rule.startsWith("*.")) {
                ascii(rule.substring(2)).ifPresent(wildcards::add);
            } else {
                ascii(rule).ifPresent(rules::add);
            }
        }
        if (rules.isEmpty()) throw new IOException("no rules: not a public suffix list");
        return new PublicSuffixList(Set.copyOf(rules), Set.copyOf(wildcards), Set.copyOf(exceptions));
    }

    private static Optional<String> ascii(String rule) {
        try {
            return Optional.of(IDN.toASCII(rule, IDN.ALLOW_UNASSIGNED).toLowerCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            return Optional.empty(); // a rule the JDK's IDNA cannot convert cannot match an A-label either
        }
    }

    /** The public suffix of a domain, or empty when it is not a domain name. */
    public Optional<String> publicSuffix(String domain) {
        return Domains.normalize(domain).map(this::suffixOf);
    }

    /**
     * RFC 7489 §3.2: the registered domain, one label more than the public suffix. A domain that
     * is itself a public suffix (e.g. {@code co.uk}) has no such domain; it is then taken as its
     * own Organizational Domain, as a PSD that sends mail under DMARCbis is.
     */
    public Optional<String> registrableDomain(String domain) {
        return Domains.normalize(domain).map(d -> {
            int suffix = Domains.labelCount(suffixOf(d));
            int all = Domains.labelCount(d);
            return suffix >= all ? d : Domains.lastLabels(d, suffix + 1);
        });
    }

    /** Whether the domain is itself a public suffix. */
    public boolean isPublicSuffix(String domain) {
        return Domains.normalize(domain).map(d -> suffixOf(d).equals(d)).orElse(false);
    }

    @Override
    public Answer organizationalDomain(String domain) {
        return registrableDomain(domain).<Answer>map(Answer.Found::new)
                .orElseGet(() -> new Answer.Found(domain.toLowerCase(Locale.ROOT)));
    }

    private String suffixOf(String domain) {
        List<String> labels = Domains.labels(domain);
        int n = labels.size();
        for (int i = 0; i < n; i++) {
            if (exceptions.contains(join(labels, i))) return join(labels, i + 1);
        }
        int best = 1; // the implicit "*" rule
        for (int i = 0; i < n; i++) {
            String suffix = join(labels, i);
            if (rules.contains(suffix)) best = Math.max(best, n - i);
            if (i > 0 && wildcards.contains(suffix)) best = Math.max(best, n - i + 1);
        }
        return join(labels, n - best);
    }

    private static String join(List<String> labels, int from) {
        return String.join(".", labels.subList(from, labels.size()));
    }
}
