package dev.facteur.policy.check;

import dev.facteur.message.HeaderSection;
import dev.facteur.message.Mailbox;
import dev.facteur.policy.Check;
import dev.facteur.policy.Facts;
import dev.facteur.policy.Stage;
import dev.facteur.policy.Verdict;
import dev.facteur.smtp.Reply;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Set;

/**
 * A user who logged in sends only as themselves (Postfix's {@code reject_sender_login_mismatch}):
 * the envelope sender at MAIL and every address of the {@code From:} field at the end of DATA must
 * be theirs, or the message is refused with {@code 553 5.7.1}. What is theirs is the {@link
 * Ownership}'s to say: the login itself, its aliases, addresses and domains granted to it. The
 * null sender (bounces) and clients that did not log in are not its business.
 */
public final class SenderLoginCheck implements Check {

    /** Whether {@code login} may send as {@code address}. */
    @FunctionalInterface
    public interface Ownership {
        boolean owns(String login, Mailbox address);
    }

    /** The largest header section read for the {@code From:} field. */
    static final int MAX_HEADER = 256 * 1024;

    private final Ownership ownership;

    public SenderLoginCheck(Ownership ownership) {
        this.ownership = ownership;
    }

    @Override
    public String name() {
        return "sender_login";
    }

    @Override
    public Set<Stage> stages() {
        return Set.of(Stage.MAIL, Stage.DATA);
    }

    /** It is about the users who logged in: they are the trusted ones. */
    @Override
    public boolean sparesTrusted() {
        return false;
    }

    @Override
    public Verdict check(Stage stage, Facts facts) {
        String login = facts.login();
        if (login == null) return Verdict.DUNNO;
        if (stage == Stage.MAIL) {
            if (facts.sender() == null || facts.sender().isNull()) return Verdict.DUNNO;
            Mailbox sender = facts.sender().mailbox().orElseThrow();
            if (ownership.owns(login, sender)) return Verdict.DUNNO;
            return refused("<" + sender + ">: Sender address rejected: not owned by user " + login, "envelope sender " + sender);
        }
        for (Mailbox from : fromAddresses(facts)) {
            if (!ownership.owns(login, from))
                return refused("<" + from + ">: From address rejected: not owned by user " + login, "From: " + from);
        }
        return Verdict.DUNNO;
    }

    private static Verdict refused(String text, String why) {
        return new Verdict.Reject(new Reply(553, "5.7.1", text), why + " is not the login's");
    }

    /** The addresses of the {@code From:} fields of the message's header section. */
    static List<Mailbox> fromAddresses(Facts facts) {
        try (InputStream in = new BufferedInputStream(facts.content().open(), 8192)) {
            return HeaderSection.fromAddresses(HeaderSection.fields(HeaderSection.read(in, MAX_HEADER)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
