package dev.facteur.server;

import dev.facteur.auth.dkim.SignatureWriter;
import dev.facteur.auth.dmarc.DmarcEvaluator;
import dev.facteur.auth.dmarc.DmarcSettings;
import dev.facteur.auth.spf.Spf;
import dev.facteur.auth.spf.SpfSettings;
import dev.facteur.auth.arc.ArcSealer;
import dev.facteur.auth.arc.ArcVerifier;
import dev.facteur.auth.dkim.DkimVerifier;
import dev.facteur.config.Config;
import dev.facteur.dns.DnsResolver;
import dev.facteur.net.Cidr;
import dev.facteur.message.Mailbox;
import dev.facteur.policy.Check;
import dev.facteur.policy.ArcSealing;
import dev.facteur.policy.ClientName;
import dev.facteur.policy.DkimSigning;
import dev.facteur.policy.Milters;
import dev.facteur.policy.OptOut;
import dev.facteur.policy.Pipeline;
import dev.facteur.policy.check.CachedDns;
import dev.facteur.policy.check.ArcCheck;
import dev.facteur.policy.check.DkimPolicyCheck;
import dev.facteur.policy.check.DmarcCheck;
import dev.facteur.policy.check.DnsListCheck;
import dev.facteur.policy.check.SpfPolicyCheck;
import dev.facteur.policy.check.EarlyTalkCheck;
import dev.facteur.policy.check.GreylistCheck;
import dev.facteur.policy.check.HeloCheck;
import dev.facteur.policy.check.RateLimitCheck;
import dev.facteur.policy.check.ReverseDns;
import dev.facteur.policy.check.ReverseDnsCheck;
import dev.facteur.policy.check.RhsblCheck;
import dev.facteur.policy.check.SenderLoginCheck;
import dev.facteur.policy.check.UserLimitCheck;
import dev.facteur.smtp.AddressPolicy;
import dev.facteur.smtp.Gate;
import dev.facteur.store.Stores;
import java.net.URI;
import java.net.InetAddress;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Builds the SMTP listener's pipeline of checks and its mail filters from {@code [policy]}. */
final class Defences {

    private Defences() {}

    /** Whether the configured checks keep state: greylisting records, rate counters, DNS answers (lists, reverse DNS), report rows. */
    static boolean needsStore(Config config) {
        return config.policy().checks().stream().anyMatch(c -> List.of("greylist", "rate", "dnsbl", "rhsbl", "rdns").contains(c))
                || DmarcReporting.enabled(config); // the DMARC report rows
    }

    /** The embedded store under the data directory, or Redis, as {@code [policy] store} says. */
    static Stores openStores(Config config) {
        var p = config.policy();
        if (p.store().equals("embedded")) return Stores.embedded(config.dataDir().resolve("policy"));
        return Stores.redis(URI.create(p.store()), p.storePrefix(), p.storeTimeout());
    }

    /**
     * The checks of {@code [policy] checks}, in that order; relay networks are trusted. With
     * {@code auth_on_port_25}, the checks about logins follow ({@link #loginChecks}): a client that
     * logs in on port 25 sends only as itself and within its limits, as on the submission ports.
     */
    static Pipeline pipeline(Config config, DnsResolver resolver, Stores stores, AddressPolicy addresses, List<InetAddress> ours,
            Clock clock) {
        var p = config.policy();
        DnsResolver dns = stores == null ? resolver : new CachedDns(resolver, stores.dns(), clock, p.dnsMinTtl(), p.dnsMaxTtl());
        List<Check> checks = new ArrayList<>();
        for (String name : p.checks()) {
            checks.add(switch (name) {
                case "earlytalk" -> new EarlyTalkCheck(p.greetPause(), p.earlyTalk());
                case "rate" -> new RateLimitCheck(stores.rates(), p.rate(), clock);
                case "greylist" -> new GreylistCheck(stores.greylist(), p.greylist(), clock);
                case "helo" -> new HeloCheck(heloSettings(config, ours));
                case "rdns" -> new ReverseDnsCheck(p.rdns());
                case "dnsbl" -> new DnsListCheck(dns, p.dnsbl().orElseThrow());
                case "rhsbl" -> new RhsblCheck(dns, p.rhsbl().orElseThrow());
                // the authentication checks ask the resolver itself: TXT answers are not in the store's cache
                case "spf" -> new SpfPolicyCheck(new Spf(resolver, new SpfSettings(config.hostname(), SpfSettings.DEFAULT_EXPLANATION, clock)),
                        p.authentication().spf(), config.hostname());
                case "dkim" -> new DkimPolicyCheck(new DkimVerifier(resolver, clock,
                        DkimVerifier.Limits.DEFAULT.withMaxSignatures(p.authentication().maxSignatures())));
                case "arc" -> new ArcCheck(new ArcVerifier(resolver, clock));
                case "dmarc" -> new DmarcCheck(dmarcEvaluator(resolver, p.authentication().dmarc().dmarc()), p.authentication().dmarc(),
                        DmarcReporting.recorder(config, stores, clock));
                default -> throw new IllegalStateException("unknown check " + name + " (the configuration should have refused it)");
            });
        }
        if (config.submission().authOnPort25()) checks.addAll(loginChecks(config, stores, addresses, clock));
        List<Cidr> relay = config.relay().networks();
        return new Pipeline(checks, a -> relay.stream().anyMatch(n -> n.contains(a)), new OptOut(p.optOut()),
                new ReverseDns(dns, p.rdnsMaxNames()), p.authenticates() ? p.authentication().authservId() : null);
    }

    private static DmarcEvaluator dmarcEvaluator(DnsResolver resolver, DmarcSettings settings) {
        try {
            return DmarcEvaluator.of(resolver, settings);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot read the public suffix list: " + e.getMessage(), e);
        }
    }

    /** The pipeline (null: no checks), followed by the {@code [[policy.milters]]} when there are any. */
    static Gate gate(Config config, Pipeline pipeline) {
        var p = config.policy();
        Gate checks = pipeline == null ? Gate.OPEN : pipeline;
        if (p.milters().isEmpty()) return checks;
        return new Milters(checks, p.milters(), config.hostname(), new OptOut(p.optOut()));
    }

    /**
     * {@code gate}, followed by DKIM signing of the mail of trusted senders when {@code [dkim]}
     * has keys: last, so that the signature covers what the filters left.
     */
    static Gate signing(Config config, Gate gate, Clock clock) {
        List<Cidr> relay = config.relay().networks();
        String feedbackId = config.delivery().feedbackId();
        if (!feedbackId.isEmpty()) {
            var sources = new dev.facteur.shaping.SourceAddresses(config.delivery().sources().addresses(), config.delivery().sources().pools(),
                    config.delivery().sources().warmUp(), dev.facteur.store.ShapingStore.inMemory(), clock);
            gate = new dev.facteur.policy.FeedbackIds(gate, feedbackId, sources::poolFor, a -> relay.stream().anyMatch(n -> n.contains(a)));
        }
        gate = Unsubscribes.fields(config, gate, clock); // [unsubscribe]: the links, before the signature that must cover them
        if (config.dkim().signers().isEmpty()) return gate;
        return new DkimSigning(gate, config.dkim().signers(), new SignatureWriter(config.dkim().settings()),
                a -> relay.stream().anyMatch(n -> n.contains(a)), clock);
    }

    /**
     * {@code gate}, then the suppression list's check of trusted senders' recipients when the
     * list is on ({@code suppressions} not null), asked after the checks of {@code gate}.
     */
    static Gate suppressing(Config config, dev.facteur.bounce.Suppressions suppressions, dev.facteur.events.EventSink events, Gate gate,
            Clock clock) {
        if (suppressions == null) return gate;
        List<Cidr> relay = config.relay().networks();
        return new dev.facteur.policy.SuppressionCheck(gate, suppressions, events, a -> relay.stream().anyMatch(n -> n.contains(a)), clock);
    }

    /**
     * {@code gate}, followed by ARC sealing of the mail from outside that an alias forwards off-site,
     * with the RSA key of {@code [arc] domain} (or the hostname's domain): none without one.
     */
    static Gate sealing(Config config, Gate gate, AddressPolicy addresses, DnsResolver resolver, Clock clock) {
        if (!config.arc().seal()) return gate;
        String domain = config.arc().domain().orElse(config.hostname());
        var key = config.dkim().signers().keysFor(domain, null).stream().filter(k -> k.key().algorithm().equals("rsa-sha256")).findFirst();
        if (key.isEmpty()) return gate;
        List<Cidr> relay = config.relay().networks();
        java.util.Set<String> served = served(config);
        return new ArcSealing(gate, new ArcSealer(key.get(), config.policy().authentication().authservId(), clock),
                new ArcVerifier(resolver, clock), config.policy().authentication().authservId(), a -> relay.stream().anyMatch(n -> n.contains(a)),
                (client, rcpt) -> addresses.recipient(client, rcpt, false) instanceof AddressPolicy.Decision.Accept(List<Mailbox> to)
                        && to.stream().anyMatch(m -> m.hasDomain() && !served.contains(m.domainKey())));
    }

    /** The domains mail is received for: the local ones (or the hostname), the relay domains and the SRS domain. */
    static java.util.Set<String> served(Config config) {
        java.util.Set<String> out = new java.util.HashSet<>();
        config.local().domains().forEach(d -> out.add(d.toLowerCase(Locale.ROOT)));
        if (out.isEmpty()) out.add(config.hostname().toLowerCase(Locale.ROOT));
        config.relay().domains().forEach(d -> out.add(d.toLowerCase(Locale.ROOT)));
        out.add(config.srs().domain());
        config.bounces().domain().ifPresent(out::add);
        return out;
    }

    /**
     * The submission ports' checks, about the user who logged in: whose sender it is
     * ({@code sender_login}) and how much they send ({@code user_limits}); then the mail filters.
     * No spam checks: every sender there has logged in.
     */
    static Gate submissionGate(Config config, Stores stores, AddressPolicy addresses, Clock clock) {
        return gate(config, new Pipeline(loginChecks(config, stores, addresses, clock), a -> false, OptOut.NOBODY,
                a -> new ClientName(ClientName.Status.NONE, null)));
    }

    /** The checks about the user who logged in: whose sender it is, and how much they send. They pass clients that did not log in. */
    static List<Check> loginChecks(Config config, Stores stores, AddressPolicy addresses, Clock clock) {
        var sub = config.submission();
        return List.of(new SenderLoginCheck(ownership(sub.senders(), addresses)), new UserLimitCheck(stores.rates(), sub.limits(), clock));
    }

    /**
     * What a login may send as: itself (a login that is an address), the addresses granted to it
     * in {@code [[submission.senders]]} ({@code user@domain}, {@code @domain}), and its aliases:
     * the addresses that routing delivers to the login's own mailbox.
     */
    static SenderLoginCheck.Ownership ownership(Map<String, List<String>> grants, AddressPolicy addresses) {
        InetAddress anyClient = InetAddress.getLoopbackAddress();
        return (login, address) -> {
            String key = address.localPart().toLowerCase(Locale.ROOT) + "@" + address.domainKey();
            if (key.equalsIgnoreCase(login)) return true;
            for (String g : grants.getOrDefault(login, List.of()))
                if (g.startsWith("@") ? g.substring(1).equals(address.domainKey()) : g.equals(key)) return true;
            if (login.indexOf('@') < 0) return false;
            return addresses.recipient(anyClient, address, true) instanceof AddressPolicy.Decision.Accept(List<Mailbox> to)
                    && to.stream().anyMatch(m -> (m.localPart() + "@" + m.domainKey()).equalsIgnoreCase(login));
        };
    }

    /** Names that are ours: the hostname and {@code [policy.helo] names}; addresses: those we listen on. */
    private static HeloCheck.Settings heloSettings(Config config, List<InetAddress> ours) {
        var h = config.policy().helo();
        List<String> names = new ArrayList<>(h.names());
        names.add(config.hostname());
        return new HeloCheck.Settings(h.invalid(), h.nonFqdn(), h.ours(), h.literalMismatch(), names, ours);
    }
}
