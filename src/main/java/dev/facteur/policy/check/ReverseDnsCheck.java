package dev.facteur.policy.check;

import dev.facteur.policy.Check;
import dev.facteur.policy.ClientName;
import dev.facteur.policy.Facts;
import dev.facteur.policy.Stage;
import dev.facteur.policy.Verdict;
import dev.facteur.smtp.Reply;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether the client has a name in reverse DNS, at one of Postfix's two levels: any PTR name
 * ({@code reject_unknown_reverse_client_hostname}), or a name that resolves back to the client
 * ({@code reject_unknown_client_hostname}, forward-confirmed). Refusals carry RFC 7372's
 * {@code X.7.25}: {@code 550 5.7.25} or {@code 450 4.7.25}. A tag says it in RFC 8601's iprev
 * terms: {@code X-Facteur-Reverse-DNS: fail (...)}. When DNS does not answer, the configured temporary
 * verdict, by default {@code 451 4.7.25}.
 */
public final class ReverseDnsCheck implements Check {

    private static final Logger log = LoggerFactory.getLogger("facteur.policy");

    /** How much reverse DNS the client needs. */
    public enum Require {
        /** Some PTR name, whatever its addresses. */
        NAME,
        /** A PTR name that resolves back to the client (FCrDNS). */
        CONFIRMED_NAME
    }

    /**
     * @param require      a PTR name, or a confirmed one
     * @param action       what a client without it gets: REJECT, DEFER, TAG or OFF
     * @param onDnsFailure DNS did not answer: DEFER ({@code 451 4.7.25}, the default), TAG, or IGNORE (logged)
     */
    public record Settings(Require require, Action action, OnDnsFailure onDnsFailure) {
        public static final Settings DEFAULT = new Settings(Require.CONFIRMED_NAME, Action.REJECT, OnDnsFailure.DEFER);
    }

    private final Settings settings;

    public ReverseDnsCheck(Settings settings) {
        this.settings = settings;
    }

    @Override
    public String name() {
        return "rdns";
    }

    @Override
    public Set<Stage> stages() {
        return settings.action() == Action.OFF ? Set.of() : Set.of(Stage.CONNECT);
    }

    @Override
    public Verdict check(Stage stage, Facts facts) {
        String client = "[" + facts.client().getHostAddress() + "]";
        ClientName name = facts.clientName();
        // With Require.NAME, a name whose forward lookup failed is still a name.
        boolean dnsFailed = name.status() == ClientName.Status.TEMPFAIL && (settings.require() == Require.CONFIRMED_NAME || name.name() == null);
        if (dnsFailed) {
            String why = name.name() == null ? "PTR lookup failed" : "forward lookup of " + name.name() + " failed";
            return switch (settings.onDnsFailure()) {
                case DEFER -> new Verdict.Defer(new Reply(451, "4.7.25", "Temporary failure in reverse DNS of client " + client
                        + "; try again later"), why);
                case TAG -> new Verdict.AddHeader("X-Facteur-Reverse-DNS: temperror (" + why + " for " + client + ")", why);
                case IGNORE -> {
                    log.warn("{}: reverse DNS not checked: {}; accepted as configured", facts.who(), why);
                    yield Verdict.DUNNO;
                }
            };
        }
        String failure = switch (name.status()) {
            case NONE -> "client " + client + " has no reverse DNS name";
            case UNCONFIRMED -> settings.require() == Require.CONFIRMED_NAME ? "the reverse DNS name of client " + client
                    + " does not resolve back to it" : null;
            case CONFIRMED, TEMPFAIL -> null;
        };
        if (failure == null) return Verdict.DUNNO;
        String why = name.status() == ClientName.Status.NONE ? "no PTR record" : "PTR " + name.name() + " does not resolve back";
        return switch (settings.action()) {
            case REJECT -> new Verdict.Reject(new Reply(550, "5.7.25", "Reverse DNS validation failed: " + failure), why);
            case DEFER -> new Verdict.Defer(new Reply(450, "4.7.25", "Reverse DNS validation failed: " + failure), why);
            case TAG -> new Verdict.AddHeader("X-Facteur-Reverse-DNS: " + (name.status() == ClientName.Status.NONE ? "permerror" : "fail")
                    + " (" + failure + ")", why);
            case HOLD -> new Verdict.Hold(failure);
            case OFF -> Verdict.DUNNO;
        };
    }
}
