package dev.facteur.policy.check;

import dev.facteur.dns.DnsResolver;
import dev.facteur.policy.Check;
import dev.facteur.policy.Facts;
import dev.facteur.policy.Stage;
import dev.facteur.policy.Verdict;
import java.util.Set;

/**
 * The client's address in DNS lists of addresses (DNSBL and DNSWL, RFC 5782), scored as postscreen
 * does: each list that lists the client adds its weight (allow lists have negative weights), and a
 * score at the threshold or above means listed. IPv6 clients are looked up in nibbles (§2.4).
 * Replies name the lists that matched: {@code 554 5.7.1 Service unavailable; client [192.0.2.1]
 * blocked using zen.example}.
 */
public final class DnsListCheck implements Check {

    private final DnsResolver dns;
    private final DnsListSettings settings;

    public DnsListCheck(DnsResolver dns, DnsListSettings settings) {
        this.dns = dns;
        this.settings = settings;
    }

    @Override
    public String name() {
        return "dnsbl";
    }

    @Override
    public Set<Stage> stages() {
        return Set.of(Stage.CONNECT);
    }

    @Override
    public Verdict check(Stage stage, Facts facts) {
        String client = "[" + facts.client().getHostAddress() + "]";
        var outcome = DnsListQuery.ask(dns, settings.lists(), ReversedAddress.of(facts.client()), settings.timeout(), facts.who());
        return DnsListVerdict.decide(settings, outcome, "client " + client, "X-Facteur-DNSBL", facts.who());
    }
}
