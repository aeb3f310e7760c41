package dev.facteur.server;

import dev.facteur.config.Config;
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
import java.net.InetAddress;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/** Builds the SMTP listener's pipeline of checks from {@code [policy]}. */
final class Defences {

    private Defences() {}

    /** The checks named in {@code [policy] checks}, in that order; relay networks are trusted. */
    static Pipeline pipeline(Config config, GreylistStore greylist, RateStore rates, Function<InetAddress, ClientName> reverseDns,
            Clock clock) {
        var p = config.policy();
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
