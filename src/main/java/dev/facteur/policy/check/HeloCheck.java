package dev.facteur.policy.check;

import dev.facteur.policy.Check;
import dev.facteur.policy.Facts;
import dev.facteur.policy.Stage;
import dev.facteur.policy.Verdict;
import dev.facteur.smtp.Reply;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The EHLO or HELO name (RFC 5321 §4.1.1.1), by four rules, each with its own action:
 * <ul>
 * <li>{@code invalid}: not a host name or an address literal, as RFC 5321 §4.1.2 and §4.1.3 write
 *     them, or an address without its brackets: {@code 501 5.5.2}, as §4.1.2 asks;
 * <li>{@code non_fqdn}: a name without a dot ({@code localhost}, {@code laptop}): {@code 504 5.5.2},
 *     as Postfix's {@code reject_non_fqdn_helo_hostname};
 * <li>{@code ours}: our host name, or an address literal of one of our addresses, from a client
 *     that is not one of our addresses: {@code 550 5.7.1};
 * <li>{@code literal_mismatch}: an address literal that is not the client's address:
 *     {@code 550 5.7.1}. §4.1.4 says a server must not refuse mail because the EHLO name does
 *     not match the client's address: this rule only tags by default (clients behind NAT give
 *     their private address).
 * </ul>
 * Deferring answers {@code 450} with the same detail; tagging adds {@code X-Facteur-HELO: rule (name)}.
 * When several rules fail, the strongest action wins.
 */
public final class HeloCheck implements Check {

    /** Names and addresses beyond this length are cut in replies and header fields, as Postfix cuts them. */
    private static final int SHOWN = 100;

    /**
     * @param invalid         not a name nor an address literal, or an address without brackets
     * @param nonFqdn         a name without a dot
     * @param ours            our own name or address
     * @param literalMismatch an address literal that is not the client's
     * @param ourNames        the names that are ours ({@code hostname}, and any other the server answers to)
     * @param ourAddresses    the addresses we listen on (a wildcard listener means the host's addresses)
     */
    public record Settings(Action invalid, Action nonFqdn, Action ours, Action literalMismatch, List<String> ourNames,
            List<InetAddress> ourAddresses) {
        public Settings {
            ourNames = ourNames.stream().map(n -> n.toLowerCase(Locale.ROOT)).toList();
            ourAddresses = List.copyOf(ourAddresses);
        }

        /** Reject what RFC 5321 forbids and impersonation, tag mismatched literals. */
        public static Settings defaults(List<String> ourNames, List<InetAddress> ourAddresses) {
            return new Settings(Action.REJECT, Action.REJECT, Action.REJECT, Action.TAG, ourNames, ourAddresses);
        }
    }

    private record Failure(String rule, Action action, Reply rejection, String why) {}

    private final Settings settings;

    public HeloCheck(Settings settings) {
        this.settings = settings;
    }

    @Override
    public String name() {
        return "helo";
    }

    @Override
    public Set<Stage> stages() {
        return Set.of(Stage.HELO);
    }

    @Override
    public Verdict check(Stage stage, Facts facts) {
        String helo = facts.helo();
        String shown = helo.length() > SHOWN ? helo.substring(0, SHOWN) + "..." : helo;
        InetAddress client = facts.client();
        List<Failure> failures = new ArrayList<>();
        switch (HeloName.parse(helo)) {
            case HeloName.Invalid(var why) -> failures.add(new Failure("invalid", settings.invalid(),
                    rejected(501, "5.5.2", shown, "Invalid name"), why));
            case HeloName.Name(var name, var qualified) -> {
                if (settings.ourNames().contains(name) && !settings.ourAddresses().contains(client))
                    failures.add(new Failure("ours", settings.ours(), rejected(550, "5.7.1", shown, "that is my name"), "our own name"));
                if (!qualified)
                    failures.add(new Failure("non_fqdn", settings.nonFqdn(), rejected(504, "5.5.2", shown, "need fully-qualified hostname"),
                            "no dot in the name"));
            }
            case HeloName.Literal(var address) -> {
                if (settings.ourAddresses().contains(address) && !settings.ourAddresses().contains(client))
                    failures.add(new Failure("ours", settings.ours(), rejected(550, "5.7.1", shown, "that is my address"), "our own address"));
                if (!address.equals(client))
                    failures.add(new Failure("literal_mismatch", settings.literalMismatch(),
                            rejected(550, "5.7.1", shown, "that is not your address"), "the client is " + client.getHostAddress()));
            }
            case HeloName.General g -> {}
        }
        return failures.stream().filter(f -> f.action() != Action.OFF)
                .min(Comparator.comparing(Failure::action)) // REJECT, DEFER, HOLD, TAG: in order of strength; the first of equals
                .map(f -> verdict(f, shown)).orElse(Verdict.DUNNO);
    }

    private static Reply rejected(int code, String enhanced, String helo, String text) {
        return new Reply(code, enhanced, "<" + helo + ">: Helo command rejected: " + text);
    }

    private static Verdict verdict(Failure f, String shown) {
        String why = f.rule() + ": " + f.why();
        return switch (f.action()) {
            case REJECT -> new Verdict.Reject(f.rejection(), why);
            case DEFER -> new Verdict.Defer(new Reply(450, "4" + f.rejection().enhanced().substring(1), f.rejection().lines()), why);
            case TAG -> new Verdict.AddHeader("X-Facteur-HELO: " + f.rule() + " (" + shown + ")", why);
            case HOLD -> new Verdict.Hold("HELO " + shown + ": " + why);
            case OFF -> throw new AssertionError("filtered out");
        };
    }
}
