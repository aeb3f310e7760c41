package dev.facteur.policy.check;

import dev.facteur.auth.dkim.DkimResult;
import dev.facteur.auth.dkim.DkimVerifier;
import dev.facteur.auth.dmarc.AuthResults;
import dev.facteur.policy.Check;
import dev.facteur.policy.Facts;
import dev.facteur.policy.Stage;
import dev.facteur.policy.Verdict;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Set;

/**
 * Verifies the message's DKIM signatures at the end of DATA (RFC 6376 §6), streaming it from the
 * spool: each result goes into Authentication-Results and on to DMARC. A failed signature refuses
 * nothing by itself (§6.3: it is as if unsigned); DMARC decides what the From domain wants.
 */
public final class DkimPolicyCheck implements Check {

    private final DkimVerifier verifier;

    public DkimPolicyCheck(DkimVerifier verifier) {
        this.verifier = verifier;
    }

    @Override
    public String name() {
        return "dkim";
    }

    @Override
    public Set<Stage> stages() {
        return Set.of(Stage.DATA);
    }

    @Override
    public Verdict check(Stage stage, Facts facts) {
        List<DkimResult> results;
        try (InputStream in = facts.content().open()) {
            results = verifier.verify(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (results.isEmpty()) {
            facts.authResult("dkim=none");
            return Verdict.DUNNO;
        }
        for (DkimResult r : results) {
            facts.authResult(r.methodResultWithReason());
            facts.dkim(new AuthResults.DkimAuth(r.signature().domain(), r.signature().selector(), r.name()));
        }
        return Verdict.DUNNO;
    }
}
