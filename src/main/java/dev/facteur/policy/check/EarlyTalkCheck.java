package dev.facteur.policy.check;

import dev.facteur.policy.Check;
import dev.facteur.policy.Facts;
import dev.facteur.policy.Stage;
import dev.facteur.policy.Verdict;
import dev.facteur.smtp.Reply;
import java.time.Duration;
import java.util.Set;

/**
 * Clients that do not wait their turn, as postscreen's pregreet and pipelining tests: a real MTA
 * waits for the greeting, and for each reply unless PIPELINING was offered (RFC 5321 §3.1, RFC 2920
 * §3.1); many spam engines talk at once to save time. The server waits {@code greetPause} before
 * its greeting to give them the chance.
 */
public final class EarlyTalkCheck implements Check {

    /** What is done to a client that talked out of turn. */
    public enum Action {
        /** {@code 521 5.5.1} and hang up (postscreen's drop). */
        DROP,
        /** Go on, and refuse each recipient with {@code 550 5.5.1} (postscreen's enforce). */
        REJECT,
        /** Go on, and mark the message with an {@code X-Facteur-Protocol:} header. */
        TAG
    }

    static final Reply DROPPED = new Reply(521, "5.5.1", "Protocol error: please wait for the server's replies");
    static final Reply REJECTED = new Reply(550, "5.5.1", "Protocol error: please wait for the server's replies");

    private final Duration greetPause;
    private final Action action;

    public EarlyTalkCheck(Duration greetPause, Action action) {
        if (greetPause.isNegative()) throw new IllegalArgumentException("the greet pause cannot be negative");
        this.greetPause = greetPause;
        this.action = action;
    }

    @Override
    public String name() {
        return "earlytalk";
    }

    @Override
    public Set<Stage> stages() {
        return Set.of(Stage.CONNECT, Stage.HELO, Stage.MAIL, Stage.RCPT);
    }

    @Override
    public Duration greetPause() {
        return greetPause;
    }

    @Override
    public Verdict check(Stage stage, Facts facts) {
        String what = facts.protocolViolation();
        if (what == null) return Verdict.DUNNO;
        return switch (action) {
            case DROP -> new Verdict.Drop(DROPPED, what);
            case REJECT -> new Verdict.Reject(REJECTED, what);
            case TAG -> new Verdict.AddHeader("X-Facteur-Protocol: " + what, what);
        };
    }
}
