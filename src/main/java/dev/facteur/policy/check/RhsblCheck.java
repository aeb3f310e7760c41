package dev.facteur.policy.check;

import dev.facteur.dns.DnsResolver;
import dev.facteur.message.Mailbox;
import dev.facteur.policy.Check;
import dev.facteur.policy.Facts;
import dev.facteur.policy.Stage;
import dev.facteur.policy.Verdict;
import java.net.IDN;
import java.util.Set;

/**
 * The sender's domain in DNS lists of domains (RHSBL, RFC 5782 §3), with the weights and filters
 * of {@link DnsListCheck}: {@code 554 5.7.1 Service unavailable; sender domain example.com blocked
 * using dbl.example}. The null sender (bounces) and address literals have no domain to look up.
 */
public final class RhsblCheck implements Check {

    private final DnsResolver dns;
    private final DnsListSettings settings;

    public RhsblCheck(DnsResolver dns, DnsListSettings settings) {
        this.dns = dns;
        this.settings = settings;
    }

    @Override
    public String name() {
        return "rhsbl";
    }

    @Override
    public Set<Stage> stages() {
        return Set.of(Stage.MAIL);
    }

    @Override
    public Verdict check(Stage stage, Facts facts) {
        Mailbox sender = facts.sender().mailbox().orElse(null);
        if (sender == null || sender.isAddressLiteral() || !sender.hasDomain()) return Verdict.DUNNO;
        String domain = aLabels(sender.domainKey());
        if (domain == null) return Verdict.DUNNO; // DNS cannot hold the name: nothing can list it
        String who = facts.who();
        var outcome = DnsListQuery.ask(dns, settings.lists(), domain, settings.timeout(), who);
        return DnsListVerdict.decide(settings, outcome, "sender domain " + domain, "X-Facteur-RHSBL", who);
    }

    /** Lists hold domains as DNS does, in A-labels (RFC 5890); also what replies and headers can carry. */
    private static String aLabels(String domain) {
        try {
            return IDN.toASCII(domain, IDN.ALLOW_UNASSIGNED);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
