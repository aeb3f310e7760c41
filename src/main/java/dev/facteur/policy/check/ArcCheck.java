package dev.facteur.policy.check;

import dev.facteur.auth.arc.ArcResult;
import dev.facteur.auth.arc.ArcVerifier;
import dev.facteur.policy.Check;
import dev.facteur.policy.Facts;
import dev.facteur.policy.Stage;
import dev.facteur.policy.Verdict;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Set;

/**
 * Validates the message's ARC chain at the end of DATA (RFC 8617 §5.2): the result goes into
 * Authentication-Results, and on to DMARC, which may trust a chain sealed by a forwarder the
 * operator names when the message failed only because it was forwarded (§7.2).
 */
public final class ArcCheck implements Check {

    private final ArcVerifier verifier;

    public ArcCheck(ArcVerifier verifier) {
        this.verifier = verifier;
    }

    @Override
    public String name() {
        return "arc";
    }

    @Override
    public Set<Stage> stages() {
        return Set.of(Stage.DATA);
    }

    @Override
    public Verdict check(Stage stage, Facts facts) {
        ArcResult result;
        try (InputStream in = facts.content().open()) {
            result = verifier.verify(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        facts.arc(result);
        facts.authResult(result.methodResult(facts.client()));
        return Verdict.DUNNO;
    }
}
