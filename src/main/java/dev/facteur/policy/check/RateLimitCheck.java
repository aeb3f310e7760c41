package dev.facteur.policy.check;

import dev.facteur.message.Mailbox;
import dev.facteur.policy.Check;
import dev.facteur.policy.Facts;
import dev.facteur.policy.Stage;
import dev.facteur.policy.Verdict;
import dev.facteur.smtp.Reply;
import dev.facteur.store.RateStore;
import dev.facteur.store.StoreUnavailable;
import java.time.Clock;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How fast one client may send, as Postfix's anvil counts: connections (at CONNECT), messages (at
 * MAIL) and recipients (at RCPT) per minute, per client address and per client network, and
 * messages per minute per sender domain. Every attempt counts, refused or not, so a client that
 * hammers on stays refused. Over a limit: {@code 421 4.7.0} and hang up at CONNECT, {@code 451
 * 4.7.0} otherwise. A limit of 0 is off.
 */
public final class RateLimitCheck implements Check {

    private static final Logger log = LoggerFactory.getLogger("facteur.policy");

    /**
     * @param window the period the limits count over (one minute unless configured)
     * @param deferOnStoreFailure when the counters cannot be read: defer rather than accept (logged either way)
     */
    public record Settings(Duration window, int connectionsPerClient, int connectionsPerNetwork, int messagesPerClient,
            int messagesPerSenderDomain, int recipientsPerClient, int v4Prefix, int v6Prefix, boolean deferOnStoreFailure) {
        public Settings {
            if (window.isNegative() || window.isZero()) throw new IllegalArgumentException("the window must be positive");
            if (Math.min(Math.min(connectionsPerClient, connectionsPerNetwork), Math.min(messagesPerClient,
                    Math.min(messagesPerSenderDomain, recipientsPerClient))) < 0) throw new IllegalArgumentException("limits are 0 (off) or more");
        }
    }

    private final RateStore store;
    private final Settings settings;
    private final Clock clock;

    public RateLimitCheck(RateStore store, Settings settings, Clock clock) {
        this.store = store;
        this.settings = settings;
        this.clock = clock;
    }

    @Override
    public String name() {
        return "rate";
    }

    @Override
    public Set<Stage> stages() {
        Set<Stage> s = EnumSet.noneOf(Stage.class);
        if (settings.connectionsPerClient() > 0 || settings.connectionsPerNetwork() > 0) s.add(Stage.CONNECT);
        if (settings.messagesPerClient() > 0 || settings.messagesPerSenderDomain() > 0) s.add(Stage.MAIL);
        if (settings.recipientsPerClient() > 0) s.add(Stage.RCPT);
        return s;
    }

    @Override
    public Verdict check(Stage stage, Facts facts) {
        String client = facts.client().getHostAddress();
        String network = Networks.of(facts.client(), settings.v4Prefix(), settings.v6Prefix());
        try {
            String over = switch (stage) {
                case CONNECT -> first(
                        over(facts, "conn:" + client, settings.connectionsPerClient(), "connections from " + client),
                        over(facts, "conn:" + network, settings.connectionsPerNetwork(), "connections from " + network));
                case MAIL -> first(
                        over(facts, "mail:" + client, settings.messagesPerClient(), "messages from " + client),
                        facts.sender().mailbox().map(Mailbox::domainKey)
                                .map(d -> over(facts, "from:" + d, settings.messagesPerSenderDomain(), "messages from senders at " + d))
                                .orElse(null));
                case RCPT -> over(facts, "rcpt:" + client, settings.recipientsPerClient(), "recipients from " + client);
                default -> null;
            };
            return over == null ? Verdict.DUNNO : refusal(stage, over);
        } catch (StoreUnavailable e) {
            if (settings.deferOnStoreFailure())
                return new Verdict.Defer(new Reply(451, "4.3.0", "Temporary failure in rate limiting; try again later"),
                        "rate store unavailable: " + e.getMessage());
            log.warn("{}: rate store unavailable, accepting as configured: {}", facts.who(), e.getMessage());
            return Verdict.DUNNO;
        }
    }

    /** Counts one event (only looks, when explaining); returns what is over its limit, or null. */
    private String over(Facts facts, String key, int limit, String what) {
        if (limit <= 0) return null;
        var now = clock.instant();
        long n = facts.dryRun() ? store.count(key, now, settings.window()) + 1 : store.add(key, 1, now, settings.window());
        return n > limit ? n + " " + what + " in " + settings.window().toSeconds() + " s, over the limit of " + limit : null;
    }

    private static String first(String a, String b) {
        return a != null ? a : b;
    }

    private static Verdict refusal(Stage stage, String why) {
        return stage == Stage.CONNECT
                ? new Verdict.Drop(new Reply(421, "4.7.0", "Too many connections from your address; slow down and try again later"), why)
                : new Verdict.Defer(new Reply(451, "4.7.0", "Rate limit exceeded; slow down and try again later"), why);
    }
}
