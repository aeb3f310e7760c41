package dev.facteur.delivery;

import dev.facteur.dane.DaneLookup;
import dev.facteur.dane.DaneOutcome;
import dev.facteur.tls.VerifiedTls;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import javax.net.ssl.SSLContext;

/**
 * The TLS policy the operator sets per destination ({@code [[delivery.tls_policy]]}), as
 * Postfix's {@code smtp_tls_policy_maps} does, over whatever the destination publishes: a bank
 * that must only ever get mail over verified TLS, a partner whose certificate is self-signed, a
 * broken server that must get plain text. The levels are Postfix's names:
 * <ul>
 * <li>{@code none}: no STARTTLS;
 * <li>{@code may}: opportunistic (RFC 7435), the default;
 * <li>{@code encrypt}: TLS or nothing, any certificate;
 * <li>{@code verify}: TLS or nothing, with a certificate that verifies for the MX host's name
 *     (RFC 6125), against the JDK's authorities and the rule's {@code ca_file};
 * <li>{@code dane}: DANE (RFC 7672) where TLSA records are proven by DNSSEC, {@code may} elsewhere;
 * <li>{@code dane-only}: DANE or nothing.
 * </ul>
 * Without a rule, a destination gets DANE when {@code [dns] dnssec} is on and its MX hosts publish
 * TLSA records, else its MTA-STS policy (RFC 8461 §2: DANE comes first), else {@code may}.
 * A destination is the recipient domain, or a relay's host name (a smarthost, a transport map's
 * {@code smtp:[host]}). A rule's domain matches itself; {@code .example.com} matches every domain
 * below {@code example.com}. The first rule that matches wins.
 */
public final class TlsPolicies {

    /** How much TLS a destination gets. */
    public enum Level {
        NONE, MAY, ENCRYPT, VERIFY,
        /** DANE where the destination publishes TLSA records through DNSSEC, {@code may} elsewhere (MTA-STS is not asked). */
        DANE,
        /** DANE or nothing: MX hosts without usable TLSA records proven by DNSSEC are not used. */
        DANE_ONLY;

        /** As written in the configuration and the log. */
        public String token() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }

        /** Whether this level asks DNSSEC for TLSA records, which needs {@code [dns] dnssec}. */
        public boolean usesDane() {
            return this == DANE || this == DANE_ONLY;
        }

        /** The level written {@code token}; IllegalArgumentException otherwise. */
        public static Level of(String token) {
            for (Level l : values()) if (l.token().equals(token)) return l;
            throw new IllegalArgumentException("must be \"none\", \"may\", \"encrypt\", \"verify\", \"dane\" or \"dane-only\"");
        }
    }

    /** One {@code [[delivery.tls_policy]]}: its domains, its level, and more authorities for {@code verify}. */
    public record Rule(List<String> domains, Level level, Optional<Path> caFile) {
        public Rule {
            domains = domains.stream().map(d -> d.toLowerCase(Locale.ROOT)).toList();
        }

        boolean matches(String destination) {
            for (String d : domains)
                if (d.startsWith(".") ? destination.endsWith(d) : destination.equals(d)) return true;
            return false;
        }
    }

    /**
     * What a domain publishes about the TLS its mail needs: MTA-STS (RFC 8461). Asked for
     * destinations found by MX lookup that no rule names: the operator's rule overrides what is
     * published.
     */
    @FunctionalInterface
    public interface Published {
        Published NONE = domain -> Decision.NONE;

        Decision of(String domain);
    }

    /** A domain's published policy, as delivery applies it. */
    public sealed interface Decision {
        Decision NONE = new NoPolicy();

        /** Nothing published (or nothing that could be had: RFC 8461 §5, mail goes as without a policy). */
        record NoPolicy() implements Decision {}

        /**
         * {@code enforce}: only MX hosts that {@code mx} matches, over TLS whose certificate
         * verifies for the host's name with {@code verifying}.
         *
         * @param source what published it, for the log and refusals: "MTA-STS policy of example.com"
         * @param policy the policy's lines as published, for TLS reports (RFC 8460 §4.4 policy-string)
         */
        record Enforce(java.util.function.Predicate<String> mx, SSLContext verifying, String source, List<String> policy) implements Decision {
            public Enforce(java.util.function.Predicate<String> mx, SSLContext verifying, String source) {
                this(mx, verifying, source, List.of());
            }
        }

        /** {@code testing}: mail goes as usual, and what enforcing would have refused is logged. */
        record Testing(java.util.function.Predicate<String> mx, String source, List<String> policy) implements Decision {
            public Testing(java.util.function.Predicate<String> mx, String source) {
                this(mx, source, List.of());
            }
        }

        /**
         * DANE (RFC 7672): the MX hosts were found through DNSSEC. A host with usable TLSA records
         * gets TLS authenticated by them, one with unusable records TLS of any kind, one whose
         * TLSA lookup failed is not used now; the other hosts get {@code other}, the domain's
         * MTA-STS policy or none ({@code only}: they are not used either). The hosts DANE refuses
         * are DANE's, for TLS reports.
         */
        record Dane(DaneLookup.Destination.Signed hosts, boolean only, Decision other) implements Decision {
            @Override
            public Decision forHost(String host) {
                DaneOutcome o = hosts.of(host);
                return o.requiresTls() || o instanceof DaneOutcome.TempFail || only ? this : other.forHost(host);
            }
        }

        /**
         * What applies cannot be known now (a bogus or failed DNSSEC lookup, RFC 7672 §2.1.1; or
         * {@code dane-only} without DANE): no host may be used, and the mail waits.
         *
         * @param resultType what TLS reports call it (RFC 8460 §4.3): dnssec-invalid, dane-required
         */
        record Undecided(String reason, String resultType) implements Decision {}

        /** What applies to the connection to {@code host}: under DANE, the domain's other policy for hosts without TLSA. */
        default Decision forHost(String host) {
            return this;
        }
    }

    /**
     * How TLS went with each MX host of a domain that publishes a policy, for the TLS reports the
     * domain asks for (RFC 8460): one call per connection, once TLS has been judged.
     */
    public interface Sessions {
        Sessions NONE = new Sessions() {
            @Override
            public void succeeded(String domain, Decision policy, String mxHost) {}

            @Override
            public void failed(String domain, Decision policy, String mxHost, String resultType, String receivingIp, String detail) {}
        };

        void succeeded(String domain, Decision policy, String mxHost);

        /** @param resultType RFC 8460 §4.3: starttls-not-supported, certificate-host-mismatch, certificate-not-trusted... */
        void failed(String domain, Decision policy, String mxHost, String resultType, String receivingIp, String detail);
    }

    /** None configured: every destination gets the default ({@code may}, or none without STARTTLS). */
    public static final TlsPolicies NONE = new TlsPolicies(List.of(), List.of(), Published.NONE, Sessions.NONE, null, null);

    private final List<Rule> rules;
    private final List<SSLContext> verified; // the verifying context of each rule, null for the others
    private final Published published;
    private final Sessions sessions;
    private final DaneLookup dane; // null: [dns] dnssec is off
    private final SSLContext verifying; // null until asked: the JDK's authorities

    private TlsPolicies(List<Rule> rules, List<SSLContext> verified, Published published, Sessions sessions, DaneLookup dane,
            SSLContext verifying) {
        this.rules = List.copyOf(rules);
        this.verified = verified;
        this.published = published;
        this.sessions = sessions;
        this.dane = dane;
        this.verifying = verifying;
    }

    /** These policies, verifying with {@code context} the servers REQUIRETLS mail goes to when no policy names how. */
    public TlsPolicies withVerifying(SSLContext context) {
        return new TlsPolicies(rules, verified, published, sessions, dane, context);
    }

    /** How a server's certificate is verified for its name when no rule or published policy says (REQUIRETLS, RFC 8689). */
    SSLContext verifying() {
        return verifying != null ? verifying : JdkAuthorities.CONTEXT;
    }

    /** Made once: connections are kept and reused by their TLS policy, context included. */
    private static final class JdkAuthorities {
        static final SSLContext CONTEXT;

        static {
            try {
                CONTEXT = VerifiedTls.context(Optional.empty());
            } catch (IOException e) {
                throw new java.io.UncheckedIOException("the JDK's own authorities", e);
            }
        }
    }

    /** These policies, telling {@code s} how TLS went under published ones. */
    public TlsPolicies withSessions(Sessions s) {
        return new TlsPolicies(rules, verified, published, s, dane, verifying);
    }

    /** These policies with DANE: TLSA records looked up through DNSSEC by {@code d}. */
    public TlsPolicies withDane(DaneLookup d) {
        return new TlsPolicies(rules, verified, published, sessions, d, verifying);
    }

    Sessions sessions() {
        return sessions;
    }

    /** The rules, with the verifying contexts of {@code verify} rules built now: a CA file that cannot be read stops the start. */
    public static TlsPolicies of(List<Rule> rules) throws IOException {
        List<SSLContext> contexts = new ArrayList<>();
        for (Rule r : rules) contexts.add(r.level() == Level.VERIFY ? VerifiedTls.context(r.caFile()) : null);
        return new TlsPolicies(rules, java.util.Collections.unmodifiableList(contexts), Published.NONE, Sessions.NONE, null, null);
    }

    /** These rules over what domains publish. */
    public TlsPolicies withPublished(Published p) {
        return new TlsPolicies(rules, verified, p, sessions, dane, verifying);
    }

    /**
     * What {@code domain} publishes, unless a rule names it (the operator's word comes first; a
     * {@code dane} rule asks for DANE alone): DANE first when its MX hosts publish TLSA records
     * (RFC 8461 §2), else MTA-STS.
     *
     * @param port the port its MX hosts are reached on, whose TLSA records are asked for
     */
    Decision published(String domain, int port) {
        Level level = ruleFor(domain).map(Rule::level).orElse(null);
        if (level != null && !level.usesDane()) return Decision.NONE;
        boolean only = level == Level.DANE_ONLY;
        if (dane == null) return only ? new Decision.Undecided("DANE is required for " + domain + ", and [dns] dnssec is off", "dane-required")
                : level == null ? published.of(domain) : Decision.NONE;
        return switch (dane.lookup(domain, port)) {
            case DaneLookup.Destination.Undecided u -> new Decision.Undecided(u.reason(), "dnssec-invalid");
            case DaneLookup.Destination.Unsigned u when only ->
                    new Decision.Undecided("DANE is required for " + domain + ", and " + u.why(), "dane-required");
            case DaneLookup.Destination.Unsigned u -> level == null ? published.of(domain) : Decision.NONE;
            case DaneLookup.Destination.Signed s -> {
                // MTA-STS only for the hosts DANE leaves to it: none when every host publishes TLSA records
                Decision other = level == null && !s.everyHostRequiresTls() ? published.of(domain) : Decision.NONE;
                yield new Decision.Dane(s, only, other);
            }
        };
    }

    /** The rule for {@code destination} (a domain or a relay's host name), if any. */
    public Optional<Rule> ruleFor(String destination) {
        String d = destination.toLowerCase(Locale.ROOT);
        for (Rule r : rules) if (r.matches(d)) return Optional.of(r);
        return Optional.empty();
    }

    /**
     * The policy of the first rule for {@code destination}, if one matches.
     *
     * @param anyCertificate the context that takes any certificate, for {@code may} and {@code encrypt}
     * @param plaintextRetry whether {@code may} tries again in plain text after a failed handshake
     */
    Optional<TlsPolicy> policyFor(String destination, SSLContext anyCertificate, boolean plaintextRetry) {
        String d = destination.toLowerCase(Locale.ROOT);
        for (int i = 0; i < rules.size(); i++) {
            Rule r = rules.get(i);
            if (!r.matches(d)) continue;
            String reason = "by the TLS policy for " + destination;
            return Optional.of(switch (r.level()) {
                case NONE -> TlsPolicy.NONE;
                case MAY -> new TlsPolicy.Opportunistic(anyCertificate, plaintextRetry);
                case ENCRYPT -> new TlsPolicy.Required(anyCertificate, false, reason);
                case VERIFY -> new TlsPolicy.Required(verified.get(i), true, reason);
                // for hosts without TLSA records: dane-only has dropped them already
                case DANE, DANE_ONLY -> new TlsPolicy.Opportunistic(anyCertificate, plaintextRetry);
            });
        }
        return Optional.empty();
    }
}
