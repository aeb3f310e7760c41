package dev.facteur.policy.check;

import dev.facteur.policy.Check;
import dev.facteur.policy.Facts;
import dev.facteur.policy.Stage;
import dev.facteur.policy.Verdict;
import dev.facteur.smtp.Reply;
import dev.facteur.store.RateStore;
import dev.facteur.store.StoreUnavailable;
import java.time.Clock;
import java.time.Duration;
import java.util.Set;

/**
 * Messages and recipients per hour for each user who logged in, counted in the shared store: a
 * stolen password must not turn the server into a spam cannon. Over the limit: {@code 451 4.7.1},
 * and the log line says who. A store that fails lets the mail through (logged: the login was checked).
 */
public final class UserLimitCheck implements Check {

    /** 0: no limit. */
    public record Settings(int messagesPerHour, int recipientsPerHour) {}

    private static final Duration HOUR = Duration.ofHours(1);
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger("facteur.policy");
    private final RateStore counts;
    private final Settings settings;
    private final Clock clock;

    public UserLimitCheck(RateStore counts, Settings settings, Clock clock) {
        this.counts = counts;
        this.settings = settings;
        this.clock = clock;
    }

    @Override
    public String name() {
        return "user_limits";
    }

    @Override
    public Set<Stage> stages() {
        return Set.of(Stage.MAIL, Stage.RCPT);
    }

    @Override
    public boolean sparesTrusted() {
        return false;
    }

    @Override
    public Verdict check(Stage stage, Facts facts) {
        String login = facts.login();
        if (login == null) return Verdict.DUNNO;
        int limit = stage == Stage.MAIL ? settings.messagesPerHour() : settings.recipientsPerHour();
        if (limit <= 0) return Verdict.DUNNO;
        String what = stage == Stage.MAIL ? "messages" : "recipients";
        long n;
        try {
            String key = "user-" + what + ":" + login;
            n = facts.dryRun() ? counts.count(key, clock.instant(), HOUR) + 1 : counts.add(key, 1, clock.instant(), HOUR);
        } catch (StoreUnavailable e) {
            log.warn("{}: {} not counted for {}: the store is unavailable ({})", facts.who(), what, login, e.getMessage());
            return Verdict.DUNNO;
        }
        if (n <= limit) return Verdict.DUNNO;
        return new Verdict.Defer(new Reply(451, "4.7.1", "Sending limit reached (" + limit + " " + what + " an hour); try again later"),
                "user " + login + " over " + limit + " " + what + " an hour");
    }
}
