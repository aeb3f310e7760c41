package dev.facteur.policy.check;

import dev.facteur.message.Mailbox;
import dev.facteur.net.Cidr;
import dev.facteur.policy.Check;
import dev.facteur.policy.Facts;
import dev.facteur.policy.OptOut;
import dev.facteur.policy.Stage;
import dev.facteur.policy.Verdict;
import dev.facteur.smtp.Reply;
import dev.facteur.store.GreylistStore;
import dev.facteur.store.GreylistStore.Seen;
import dev.facteur.store.StoreUnavailable;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Greylisting (RFC 6647): the first attempt of a (client network, sender, recipient) triplet is
 * deferred; a real MTA comes back after the delay and passes, most spam engines never do. As
 * postgrey: the client is known by its network ({@code /24}, {@code /64}), or, when configured,
 * by the parent domain of its confirmed reverse DNS name (large senders retry from another
 * address of the same pool); a client whose retries came through {@code autoWhitelist} times is
 * not greylisted any more; clients by address or name, and recipients, can be exempted.
 */
public final class GreylistCheck implements Check {

    private static final Logger log = LoggerFactory.getLogger("facteur.policy");

    /**
     * @param autoWhitelist retries that came through after which a client is no longer greylisted; 0: never
     * @param clients       client networks never greylisted
     * @param clientNames   confirmed reverse DNS names never greylisted: {@code example.com} also covers its subdomains
     * @param recipients    recipients never greylisted ({@code user@domain}, {@code @domain}, {@code user@})
     * @param byName        know a client by the parent domain of its confirmed name (3 labels or more), else by network
     * @param deferOnStoreFailure when the store cannot answer: defer ({@code 451 4.3.0}) rather than accept (logged either way)
     */
    public record Settings(GreylistStore.Timing timing, int autoWhitelist, List<Cidr> clients, List<String> clientNames,
            List<String> recipients, boolean byName, int v4Prefix, int v6Prefix, boolean deferOnStoreFailure) {
        public Settings {
            clients = List.copyOf(clients);
            clientNames = clientNames.stream().map(n -> n.toLowerCase(Locale.ROOT).replaceAll("^\\.|\\.$", "")).toList();
            recipients = List.copyOf(recipients);
            if (autoWhitelist < 0) throw new IllegalArgumentException("auto_whitelist must be 0 (off) or more");
            if (v4Prefix < 8 || v4Prefix > 32 || v6Prefix < 16 || v6Prefix > 128) throw new IllegalArgumentException("prefix out of range");
        }
    }

    static final Reply STORE_FAILED = new Reply(451, "4.3.0", "Temporary failure in greylisting; try again later");

    private final GreylistStore store;
    private final Settings settings;
    private final OptOut exempt;
    private final Clock clock;

    public GreylistCheck(GreylistStore store, Settings settings, Clock clock) {
        this.store = store;
        this.settings = settings;
        this.exempt = new OptOut(settings.recipients());
        this.clock = clock;
    }

    @Override
    public String name() {
        return "greylist";
    }

    @Override
    public Set<Stage> stages() {
        return Set.of(Stage.RCPT);
    }

    @Override
    public Verdict check(Stage stage, Facts facts) {
        Mailbox rcpt = facts.recipient();
        if (exempt.listed(rcpt) || settings.clients().stream().anyMatch(c -> c.contains(facts.client()))) return Verdict.DUNNO;
        String name = settings.clientNames().isEmpty() && !settings.byName() ? null : facts.clientName().confirmed();
        if (name != null && nameExempt(name.toLowerCase(Locale.ROOT))) return Verdict.DUNNO;
        String client = clientKey(facts, name);
        var timing = settings.timing();
        try {
            var now = clock.instant();
            if (settings.autoWhitelist() > 0 && store.retries(client, now, timing) >= settings.autoWhitelist()) return Verdict.DUNNO;
            String triplet = client + "|" + facts.sender().toString().toLowerCase(Locale.ROOT) + "|" + rcpt.localPart().toLowerCase(Locale.ROOT)
                    + "@" + rcpt.domainKey();
            Seen seen = facts.dryRun() ? store.peek(triplet, now, timing) : store.attempt(triplet, now, timing);
            return switch (seen) {
                case FIRST, TOO_EARLY -> new Verdict.Defer(new Reply(451, "4.7.1", "Greylisted: the first mail from your network for this"
                        + " sender and recipient must be retried after " + human(timing.delay()) + " (RFC 6647)"),
                        (seen == Seen.FIRST ? "first attempt" : "retried too early") + " from " + client);
                case RETRIED -> {
                    if (!facts.dryRun()) store.retried(client, now, timing);
                    yield new Verdict.AddHeader("X-Greylist: passed after a retry, at " + clock.instant(), "retried in time from " + client);
                }
                case KNOWN -> Verdict.DUNNO;
            };
        } catch (StoreUnavailable e) {
            if (settings.deferOnStoreFailure()) return new Verdict.Defer(STORE_FAILED, "greylist store unavailable: " + e.getMessage());
            log.warn("{}: greylist store unavailable, accepting as configured: {}", facts.who(), e.getMessage());
            return Verdict.DUNNO;
        }
    }

    private boolean nameExempt(String name) {
        for (String n : settings.clientNames()) {
            if (name.equals(n) || name.endsWith("." + n)) return true;
        }
        return false;
    }

    /** The parent domain of a confirmed name of 3 labels or more (mail-a1.pool.example → pool.example), else the network. */
    private String clientKey(Facts facts, String name) {
        if (settings.byName() && name != null) {
            String[] labels = name.toLowerCase(Locale.ROOT).split("\\.");
            if (labels.length >= 3) return name.toLowerCase(Locale.ROOT).substring(labels[0].length() + 1);
        }
        return Networks.of(facts.client(), settings.v4Prefix(), settings.v6Prefix());
    }

    private static String human(Duration d) {
        long s = d.toSeconds();
        return s % 60 == 0 ? (s / 60) + " minute" + (s == 60 ? "" : "s") : s + " seconds";
    }
}
