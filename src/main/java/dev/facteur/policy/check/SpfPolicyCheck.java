package dev.facteur.policy.check;

import dev.facteur.auth.dmarc.AuthResults;
import dev.facteur.auth.spf.ReceivedSpf;
import dev.facteur.auth.spf.Spf;
import dev.facteur.auth.spf.SpfCheck;
import dev.facteur.auth.spf.SpfResult;
import dev.facteur.policy.Check;
import dev.facteur.policy.Facts;
import dev.facteur.policy.Stage;
import dev.facteur.policy.Verdict;
import dev.facteur.smtp.Reply;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

/**
 * SPF (RFC 7208) at MAIL: is the client allowed to send for the sender's domain (or, for a
 * bounce, for its HELO name)? The result goes into {@code Received-SPF:} (§9.1) and into
 * Authentication-Results, and on to DMARC; a {@code fail} is refused ({@code 550 5.7.23},
 * RFC 7372) only when the operator says so, since DMARC decides better with DKIM beside SPF.
 */
public final class SpfPolicyCheck implements Check {

    /** What a result gets besides being recorded. */
    public enum OnResult { REJECT, DEFER, TAG }

    /**
     * @param onFail       {@code fail}: refused (550 5.7.23) or only recorded
     * @param onTempError  {@code temperror}: deferred (451 4.7.24) or only recorded
     * @param onPermError  {@code permerror}: refused (550 5.7.24) or only recorded
     * @param receivedSpf  whether to add {@code Received-SPF:}
     * @param timeout      for the whole evaluation (§4.6.4: at least 20 seconds); past it, temperror
     * @param checkHelo    also check the HELO identity of mail with a sender (§2.3 recommends it),
     *                     recorded only: DMARC uses the MAIL FROM identity
     */
    public record Settings(OnResult onFail, OnResult onTempError, OnResult onPermError, boolean receivedSpf, Duration timeout,
            boolean checkHelo) {
        public static final Settings DEFAULT = new Settings(OnResult.TAG, OnResult.TAG, OnResult.TAG, true, Duration.ofSeconds(20), false);
    }

    private final Spf spf;
    private final Settings settings;
    private final String receiver;

    public SpfPolicyCheck(Spf spf, Settings settings, String receiver) {
        this.spf = spf;
        this.settings = settings;
        this.receiver = receiver;
    }

    @Override
    public String name() {
        return "spf";
    }

    @Override
    public Set<Stage> stages() {
        return Set.of(Stage.MAIL);
    }

    @Override
    public Verdict check(Stage stage, Facts facts) {
        String path = facts.sender() == null || facts.sender().isNull() ? "" : facts.sender().mailbox().orElseThrow().toString();
        SpfCheck check = evaluate(facts, path);
        facts.authResult(ReceivedSpf.authenticationResult(check));
        if (settings.checkHelo() && !path.isEmpty() && facts.helo() != null)
            facts.authResult(ReceivedSpf.authenticationResult(evaluate(facts, "")));
        facts.spf(new AuthResults.SpfAuth(check.domain(), path.isEmpty() ? AuthResults.SpfScope.HELO : AuthResults.SpfScope.MFROM,
                check.result().keyword()));
        String why = "spf=" + check.result().keyword() + " for " + check.domain() + " from " + facts.client().getHostAddress();
        Verdict refusal = switch (check.result()) {
            case SpfResult.Fail f when settings.onFail() == OnResult.REJECT -> new Verdict.Reject(new Reply(550, "5.7.23",
                    f.explanation().isEmpty() ? "SPF check failed" : f.explanation()), why);
            case SpfResult.TempError t when settings.onTempError() == OnResult.DEFER -> new Verdict.Defer(new Reply(451, "4.7.24",
                    "Temporary error checking the SPF record of " + check.domain() + "; try again later"), why + ": " + t.problem());
            case SpfResult.PermError p when settings.onPermError() == OnResult.REJECT -> new Verdict.Reject(new Reply(550, "5.7.24",
                    "The SPF record of " + check.domain() + " is broken"), why + ": " + p.problem());
            default -> null;
        };
        if (refusal != null) return refusal;
        return settings.receivedSpf() ? new Verdict.AddHeader(ReceivedSpf.field(check, receiver), why) : Verdict.DUNNO;
    }

    /** check_host() within the time allowed: a lookup still waiting then is interrupted, and the result is temperror. */
    private SpfCheck evaluate(Facts facts, String path) {
        var result = new AtomicReference<SpfCheck>();
        // a bounce (null reverse-path) is checked as its HELO name's (§2.4), and said so: smtp.helo
        Thread t = Thread.ofVirtual().name("spf").start(() -> result.set(path.isEmpty() ? spf.checkHelo(facts.client(), facts.helo())
                : spf.checkMailFrom(facts.client(), path, facts.helo())));
        try {
            if (!t.join(settings.timeout())) t.interrupt();
            t.join();
        } catch (InterruptedException e) {
            t.interrupt();
            Thread.currentThread().interrupt();
        }
        SpfCheck done = result.get();
        if (done != null) return done;
        String domain = path.isEmpty() ? String.valueOf(facts.helo()) : path.substring(path.lastIndexOf('@') + 1);
        return new SpfCheck(path.isEmpty() ? SpfCheck.Identity.HELO : SpfCheck.Identity.MAILFROM, facts.client(),
                String.valueOf(facts.helo()), path.isEmpty() ? "postmaster@" + facts.helo() : path, domain,
                new SpfResult.TempError("no answer within " + settings.timeout().toSeconds() + "s"));
    }
}
