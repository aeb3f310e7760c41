package dev.facteur.server;

import dev.facteur.config.Config;
import dev.facteur.dns.DnsResolver;
import dev.facteur.net.Cidr;
import dev.facteur.policy.Check;
import dev.facteur.policy.ClientName;
import dev.facteur.policy.OptOut;
import dev.facteur.policy.Pipeline;
import dev.facteur.policy.check.EarlyTalkCheck;
import dev.facteur.policy.check.GreylistCheck;
import dev.facteur.policy.check.RateLimitCheck;
import dev.facteur.store.GreylistStore;
import dev.facteur.store.RateStore;
import dev.facteur.store.Stores;
import java.net.URI;
import java.net.InetAddress;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/** Builds the SMTP listener's pipeline of checks from {@code [policy]}. */
final class Defences {

    private Defences() {}

    /** Whether the configured checks keep state (greylisting records, rate counters). */
    static boolean needsStore(Config config) {
        return config.policy().checks().stream().anyMatch(c -> c.equals("greylist") || c.equals("rate"));
    }

    /** The embedded store under the data directory, or Redis, as {@code [policy] store} says. */
    static Stores openStores(Config config) {
        var p = config.policy();
        if (p.store().equals("embedded")) return Stores.embedded(config.dataDir().resolve("policy"));
        return Stores.redis(URI.create(p.store()), p.storePrefix(), p.storeTimeout());
    }

    /** The checks named in {@code [policy] checks}, in that order; relay networks are trusted. */
    static Pipeline pipeline(Config config, DnsResolver dns, Stores stores, Clock clock) {
        var p = config.policy();
        GreylistStore greylist = stores == null ? null : stores.greylist();
        RateStore rates = stores == null ? null : stores.rates();
        Function<InetAddress, ClientName> reverseDns = a -> new ClientName(ClientName.Status.NONE, null);
        List<Check> checks = new ArrayList<>();
        for (String name : p.checks()) {
            checks.add(switch (name) {
                case "earlytalk" -> new EarlyTalkCheck(p.greetPause(), p.earlyTalk());
                case "rate" -> new RateLimitCheck(rates, p.rate(), clock);
                case "greylist" -> new GreylistCheck(greylist, p.greylist(), clock);
                default -> throw new IllegalStateException("unknown check " + name + " (the configuration should have refused it)");
            });
        }
        List<Cidr> relay = config.relay().networks();
        return new Pipeline(checks, a -> relay.stream().anyMatch(n -> n.contains(a)), new OptOut(p.optOut()), reverseDns);
    }
}
