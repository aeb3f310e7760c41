package dev.facteur.policy;

import dev.facteur.testing.MemoryContent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.message.Mailbox;
import dev.facteur.message.QueueId;
import dev.facteur.message.ReversePath;
import dev.facteur.metrics.Metrics;
import dev.facteur.testing.ManualClock;
import dev.facteur.testing.PrometheusText;
import dev.facteur.smtp.Gate;
import dev.facteur.smtp.Reply;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;

/** The stages, their order, and when a verdict is given. */
class PipelineTest {

    private static final Reply REJECTED = new Reply(554, "5.7.1", "Service unavailable");
    private static final Reply DEFERRED = new Reply(451, "4.7.1", "Later");
    private static final Reply DROPPED = new Reply(421, "4.7.0", "Go away");
    private static final ClientName NO_NAME = new ClientName(ClientName.Status.NONE, null);

    /** A check that decides by a function, and counts its calls. */
    private static final class Scripted implements Check {
        final String name;
        final Set<Stage> stages;
        final BiFunction<Stage, Facts, Verdict> decide;
        final List<Stage> calls = new ArrayList<>();
        boolean sparesTrusted = true;

        Scripted(String name, Set<Stage> stages, BiFunction<Stage, Facts, Verdict> decide) {
            this.name = name;
            this.stages = stages;
            this.decide = decide;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public Set<Stage> stages() {
            return stages;
        }

        @Override
        public boolean sparesTrusted() {
            return sparesTrusted;
        }

        @Override
        public Verdict check(Stage stage, Facts facts) {
            calls.add(stage);
            return decide.apply(stage, facts);
        }
    }

    private static Pipeline pipeline(Check... checks) {
        return new Pipeline(List.of(checks), a -> a.getHostAddress().equals("127.0.0.1"), new OptOut(List.of("vip@example.test")),
                a -> NO_NAME);
    }

    private static Mailbox box(String a) {
        int at = a.indexOf('@');
        return new Mailbox(a.substring(0, at), a.substring(at + 1));
    }

    private static Pipeline.PolicySession start(Pipeline p, String client) throws Exception {
        var s = (Pipeline.PolicySession) p.open(InetAddress.getByName(client));
        assertThat(s.connect()).isNull();
        return s;
    }

    private static void mail(Pipeline.PolicySession s) {
        s.helo("client.example");
        s.mail(new QueueId.Generator().next(), ReversePath.of(box("a@example.org")), 100);
    }

    @Test
    void aRefusalAtConnectIsGivenAtEachRcptSoThatPostmasterStillGetsMail() throws Exception { // smtpd_delay_reject; RFC 5321 §4.5.1
        var listed = new Scripted("dnsbl", Set.of(Stage.CONNECT), (st, f) -> new Verdict.Reject(REJECTED, "listed"));
        var s = start(pipeline(listed), "192.0.2.1");
        mail(s);
        assertThat(s.rcpt(box("bob@example.test"))).isEqualTo(REJECTED);
        assertThat(s.rcpt(box("Postmaster@example.test"))).isNull();
        assertThat(s.rcpt(box("abuse@example.test"))).isNull();
        assertThat(s.rcpt(box("vip@example.test"))).as("configured opt-out").isNull();
        assertThat(listed.calls).containsExactly(Stage.CONNECT);
    }

    @Test
    void aDropActsAtOnce() throws Exception {
        var s = (Pipeline.PolicySession) pipeline(new Scripted("rate", Set.of(Stage.CONNECT), (st, f) -> new Verdict.Drop(DROPPED, "too fast")))
                .open(InetAddress.getByName("192.0.2.1"));
        assertThat(s.connect()).isEqualTo(DROPPED);
    }

    @Test
    void theFirstFinalVerdictOfAStageWinsInTheConfiguredOrder() throws Exception {
        var first = new Scripted("first", Set.of(Stage.RCPT), (st, f) -> new Verdict.Defer(DEFERRED, "first"));
        var second = new Scripted("second", Set.of(Stage.RCPT), (st, f) -> new Verdict.Reject(REJECTED, "second"));
        var s = start(pipeline(first, second), "192.0.2.1");
        mail(s);
        assertThat(s.rcpt(box("bob@example.test"))).isEqualTo(DEFERRED);
        assertThat(second.calls).isEmpty();

        var t = start(pipeline(second, first), "192.0.2.1");
        mail(t);
        assertThat(t.rcpt(box("bob@example.test"))).isEqualTo(REJECTED);
    }

    @Test
    void anAcceptSkipsTheRestOfItsStageOnly() throws Exception {
        var allow = new Scripted("allow", Set.of(Stage.RCPT), (st, f) -> new Verdict.Accept("known"));
        var later = new Scripted("later", Set.of(Stage.RCPT), (st, f) -> new Verdict.Reject(REJECTED, "no"));
        var s = start(pipeline(allow, later), "192.0.2.1");
        mail(s);
        assertThat(s.rcpt(box("bob@example.test"))).isNull();
        assertThat(later.calls).isEmpty();
    }

    @Test
    void checksAtRcptDoNotRunForRecipientsWhoOptOut() throws Exception {
        var grey = new Scripted("greylist", Set.of(Stage.RCPT), (st, f) -> new Verdict.Defer(DEFERRED, "first"));
        var s = start(pipeline(grey), "192.0.2.1");
        mail(s);
        assertThat(s.rcpt(box("postmaster@example.test"))).isNull();
        assertThat(grey.calls).isEmpty();
        assertThat(s.rcpt(box("bob@example.test"))).isEqualTo(DEFERRED);
        assertThat(grey.calls).hasSize(1);
    }

    @Test
    void trustedClientsSkipTheSpamDefencesButNotChecksThatApplyToAll() throws Exception {
        var grey = new Scripted("greylist", Set.of(Stage.RCPT), (st, f) -> new Verdict.Defer(DEFERRED, "first"));
        var all = new Scripted("all", Set.of(Stage.MAIL), (st, f) -> new Verdict.Reject(REJECTED, "everyone"));
        all.sparesTrusted = false;
        var s = start(pipeline(grey, all), "127.0.0.1");
        mail(s);
        assertThat(s.rcpt(box("bob@example.test"))).isEqualTo(REJECTED);
        assertThat(grey.calls).isEmpty();
    }

    @Test
    void headersFromTheConnectionStayAndThoseOfATransactionGoWithIt() throws Exception {
        var tag = new Scripted("tag", Set.of(Stage.CONNECT, Stage.RCPT), (st, f) -> new Verdict.AddHeader("X-Test: " + st, "tagged"));
        var s = start(pipeline(tag), "192.0.2.1");
        mail(s);
        s.rcpt(box("bob@example.test"));
        s.rcpt(box("carol@example.test"));
        assertThat(s.headers()).containsExactly("X-Test: CONNECT\r\n", "X-Test: RCPT\r\n"); // once, however many recipients
        s.reset();
        assertThat(s.headers()).containsExactly("X-Test: CONNECT\r\n");
    }

    @Test
    void aHoldMarksTheMessageAndTheNextTransactionStartsClean() throws Exception {
        var quarantine = new Scripted("q", Set.of(Stage.MAIL), (st, f) -> new Verdict.Hold("suspicious sender"));
        var s = start(pipeline(quarantine), "192.0.2.1");
        mail(s);
        assertThat(s.rcpt(box("bob@example.test"))).isNull();
        assertThat(s.hold()).isEqualTo("suspicious sender");
        s.reset();
        assertThat(s.hold()).isNull();
    }

    @Test
    void aCheckThatThrowsDefersRatherThanLettingMailThroughUnchecked() throws Exception {
        var broken = new Scripted("broken", Set.of(Stage.RCPT), (st, f) -> {
            throw new IllegalStateException("bug");
        });
        var s = start(pipeline(broken), "192.0.2.1");
        mail(s);
        assertThat(s.rcpt(box("bob@example.test"))).isEqualTo(Pipeline.CHECK_FAILED);
    }

    @Test
    void aRefusalAtMailIsForgottenWithItsTransaction() throws Exception {
        var bySender = new Scripted("rhsbl", Set.of(Stage.MAIL),
                (st, f) -> f.sender().toString().contains("spam") ? new Verdict.Reject(REJECTED, "listed") : Verdict.DUNNO);
        var s = start(pipeline(bySender), "192.0.2.1");
        s.helo("c.example");
        s.mail(new QueueId.Generator().next(), ReversePath.of(box("x@spam.example")), -1);
        assertThat(s.rcpt(box("bob@example.test"))).isEqualTo(REJECTED);
        s.reset();
        s.mail(new QueueId.Generator().next(), ReversePath.of(box("x@good.example")), -1);
        assertThat(s.rcpt(box("bob@example.test"))).isNull();
    }

    @Test
    void explainingSeesEveryVerdictAndTellsChecksToChangeNothing() throws Exception {
        List<String> seen = new ArrayList<>();
        var grey = new Scripted("greylist", Set.of(Stage.RCPT), (st, f) -> {
            assertThat(f.dryRun()).isTrue();
            return new Verdict.Defer(DEFERRED, "would be first");
        });
        var s = pipeline(grey).explain(InetAddress.getByName("192.0.2.1"),
                (stage, check, v, f) -> seen.add(stage + " " + check.name() + " " + v.getClass().getSimpleName()));
        s.connect();
        mail(s);
        s.rcpt(box("bob@example.test"));
        assertThat(seen).containsExactly("RCPT greylist Defer");
    }

    @Test
    void everyVerdictOfASessionIsCountedByCheckAndAnExplanationCountsNone() throws Exception {
        Metrics metrics = Metrics.prometheus(ManualClock.stopped());
        var rdns = new Scripted("rdns", Set.of(Stage.CONNECT), (st, f) -> Verdict.DUNNO);
        var grey = new Scripted("greylist", Set.of(Stage.RCPT), (st, f) -> new Verdict.Defer(DEFERRED, "first time"));
        Pipeline p = pipeline(rdns, grey).measuredBy(metrics.policy());
        var s = start(p, "192.0.2.1");
        mail(s);
        s.rcpt(box("bob@example.test"));
        s.rcpt(box("carol@example.test"));
        p.explain(InetAddress.getByName("192.0.2.1"), "client.example", ReversePath.NULL, List.of(box("bob@example.test")));

        var text = PrometheusText.parse(metrics.scrape());
        assertThat(text.value("facteur_policy_verdicts_total", "check", "rdns", "verdict", "dunno")).isEqualTo(1);
        assertThat(text.value("facteur_policy_verdicts_total", "check", "greylist", "verdict", "defer")).isEqualTo(2);
        assertThat(text.sum("facteur_policy_verdicts_total")).as("the explanation's verdicts are not counted").isEqualTo(3);
    }


    private static String read(Facts f) {
        try (var in = f.content().open()) {
            return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Refuses a message that mentions money; otherwise says it looked. */
    private static final Scripted CONTENT = new Scripted("content", Set.of(Stage.DATA),
            (stage, f) -> read(f).contains("money") ? new Verdict.Reject(REJECTED, "money") : new Verdict.AddHeader("X-Looked: yes", "looked"));

    @Test
    void theChecksAtTheEndOfDataReadTheMessageAndRefuseItForEveryone() throws Exception {
        var s = start(pipeline(CONTENT), "192.0.2.1");
        mail(s);
        assertThat(s.rcpt(box("bob@example.test"))).isNull();
        assertThat(s.readsContent()).isTrue();
        var spam = new MemoryContent("Subject: money\r\n\r\nmoney\r\n");
        assertThat(s.endOfData(spam)).isEqualTo(new Gate.EndOfData.Refuse(REJECTED));
    }

    @Test
    void aHeaderAddedAtTheEndOfDataGoesAtTheTopOfTheMessage() throws Exception {
        var s = start(pipeline(CONTENT), "192.0.2.1");
        mail(s);
        s.rcpt(box("bob@example.test"));
        var fine = new MemoryContent("Subject: hi\r\n\r\nhello\r\n");
        assertThat(s.endOfData(fine)).isEqualTo(Gate.EndOfData.PASS);
        assertThat(fine.text()).isEqualTo("X-Looked: yes\r\nSubject: hi\r\n\r\nhello\r\n");
    }

    @Test
    void theChecksAtTheEndOfDataDoNotRunWhenEveryRecipientOptsOut() throws Exception {
        var s = start(pipeline(CONTENT), "192.0.2.1");
        mail(s);
        s.rcpt(box("postmaster@example.test"));
        s.rcpt(box("vip@example.test"));
        assertThat(s.readsContent()).isFalse();
        s.reset();
        mail(s);
        s.rcpt(box("postmaster@example.test"));
        s.rcpt(box("bob@example.test"));
        assertThat(s.readsContent()).as("one who does not opt out: the message is checked, for all").isTrue();
    }

    @Test
    void withoutChecksAtTheEndOfDataTheContentIsNotRead() throws Exception {
        var s = start(pipeline(new Scripted("rcpt", Set.of(Stage.RCPT), (stage, f) -> Verdict.DUNNO)), "192.0.2.1");
        mail(s);
        s.rcpt(box("bob@example.test"));
        assertThat(s.readsContent()).isFalse();
    }

    /** Finds SPF "pass" at MAIL, and DKIM "fail" at the end of DATA: results for Authentication-Results. */
    private static final Scripted AUTH = new Scripted("auth", Set.of(Stage.MAIL, Stage.DATA), (stage, f) -> {
        f.authResult(stage == Stage.MAIL ? "spf=pass smtp.mailfrom=example.net" : "dkim=fail header.d=example.net");
        return Verdict.DUNNO;
    });

    private static Pipeline withAuthservId(Check... checks) {
        return new Pipeline(List.of(checks), a -> false, OptOut.DEFAULT, a -> NO_NAME, "mx.example.test");
    }

    @Test
    void theResultsOfEveryStageGoIntoOneAuthenticationResultsFieldAtTheTop() throws Exception {
        var s = start(withAuthservId(AUTH, CONTENT), "192.0.2.1");
        mail(s);
        s.rcpt(box("bob@example.test"));
        var m = new MemoryContent("Subject: hi\r\n\r\nhello\r\n");
        assertThat(s.endOfData(m)).isEqualTo(Gate.EndOfData.PASS);
        assertThat(m.text()).isEqualTo("Authentication-Results: mx.example.test;\r\n\tspf=pass smtp.mailfrom=example.net;\r\n"
                + "\tdkim=fail header.d=example.net\r\nX-Looked: yes\r\nSubject: hi\r\n\r\nhello\r\n");
        s.reset();
        mail(s);
        s.rcpt(box("bob@example.test"));
        var next = new MemoryContent("Subject: again\r\n\r\nhello\r\n");
        s.endOfData(next);
        assertThat(next.text()).as("the next transaction starts afresh").containsOnlyOnce("spf=pass");
    }

    @Test
    void anAuthenticationResultsFieldClaimingOurNameIsRemovedAndOthersAreKept() throws Exception {
        var s = start(withAuthservId(), "192.0.2.1");
        mail(s);
        s.rcpt(box("bob@example.test"));
        assertThat(s.readsContent()).isTrue();
        var m = new MemoryContent("Authentication-Results: relay.example.net; spf=pass smtp.mailfrom=a.example\r\n"
                + "Authentication-Results: MX.example.test;\r\n\tdkim=pass header.d=bank.example\r\n"
                + "Subject: trust me\r\n\r\nAuthentication-Results: mx.example.test; in the body stays\r\n");
        assertThat(s.endOfData(m)).isEqualTo(Gate.EndOfData.PASS);
        assertThat(m.text()).isEqualTo("Authentication-Results: relay.example.net; spf=pass smtp.mailfrom=a.example\r\n"
                + "Subject: trust me\r\n\r\nAuthentication-Results: mx.example.test; in the body stays\r\n");
    }

    @Test
    void withoutAnAuthservIdOtherServersFieldsAreLeftAlone() throws Exception {
        var s = start(pipeline(CONTENT), "192.0.2.1");
        mail(s);
        s.rcpt(box("bob@example.test"));
        var m = new MemoryContent("Authentication-Results: mx.example.test; dkim=pass\r\n\r\nhi\r\n");
        s.endOfData(m);
        assertThat(m.text()).contains("Authentication-Results: mx.example.test; dkim=pass");
    }
}
