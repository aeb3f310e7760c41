package dev.facteur.policy.check;

import dev.facteur.message.Mailbox;
import dev.facteur.message.QueueId;
import dev.facteur.message.ReversePath;
import dev.facteur.policy.Check;
import dev.facteur.policy.ClientName;
import dev.facteur.policy.OptOut;
import dev.facteur.policy.Pipeline;
import dev.facteur.policy.Verdict;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * One client's dialogue through a pipeline of checks, as the SMTP server leads it, keeping the
 * verdicts they take at each stage: what a check decided, before the pipeline turns it into a
 * reply (or keeps it for the RCPTs).
 */
final class Dialogue {

    private final Pipeline.PolicySession session;
    private final List<Verdict> taken = new ArrayList<>();

    private Dialogue(Pipeline pipeline, String client) {
        this.session = pipeline.explain(InetAddress.ofLiteral(client), (stage, check, verdict, facts) -> taken.add(verdict));
    }

    /** A dialogue of a client that is not trusted, whose reverse DNS says {@code reverseDns}. */
    static Dialogue of(String client, Function<InetAddress, ClientName> reverseDns, Check... checks) {
        return new Dialogue(new Pipeline(List.of(checks), a -> false, OptOut.DEFAULT, reverseDns), client);
    }

    static Dialogue of(String client, Check... checks) {
        return of(client, a -> new ClientName(ClientName.Status.NONE, null), checks);
    }

    Verdict connect() {
        taken.clear();
        session.connect();
        return last();
    }

    Verdict helo(String name) {
        taken.clear();
        session.helo(name);
        return last();
    }

    /** {@code sender} is "" for the null sender. */
    Verdict mail(String sender) {
        taken.clear();
        ReversePath path = sender.isEmpty() ? ReversePath.NULL
                : ReversePath.of(new Mailbox(sender.substring(0, sender.lastIndexOf('@')), sender.substring(sender.lastIndexOf('@') + 1)));
        session.mail(new QueueId.Generator().next(), path, -1);
        return last();
    }

    /** The one verdict of the stage, or "no opinion". */
    private Verdict last() {
        if (taken.size() > 1) throw new AssertionError("more than one verdict: " + taken);
        return taken.isEmpty() ? Verdict.DUNNO : taken.getFirst();
    }
}
