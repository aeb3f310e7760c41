package dev.facteur.policy.check;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.auth.arc.ArcResult;
import dev.facteur.auth.dmarc.AuthResults;
import dev.facteur.auth.dmarc.DmarcEvaluator;
import dev.facteur.auth.dmarc.DmarcSettings;
import dev.facteur.message.Mailbox;
import dev.facteur.message.QueueId;
import dev.facteur.message.ReversePath;
import dev.facteur.policy.Check;
import dev.facteur.policy.ClientName;
import dev.facteur.policy.Facts;
import dev.facteur.policy.OptOut;
import dev.facteur.policy.Pipeline;
import dev.facteur.policy.Stage;
import dev.facteur.policy.Verdict;
import dev.facteur.smtp.Gate;
import dev.facteur.testing.FakeDnsResolver;
import dev.facteur.testing.MemoryContent;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** What the dmarc check does with the From domain's policy, given what SPF, DKIM and ARC found before it. */
class DmarcCheckTest {

    private final FakeDnsResolver dns = new FakeDnsResolver()
            .withTxt("_dmarc.bank.example", "v=DMARC1; p=reject")
            .withTxt("_dmarc.shop.example", "v=DMARC1; p=quarantine")
            .withAddresses("bank.example", "192.0.2.10").withAddresses("shop.example", "192.0.2.11");
    private final List<DmarcCheck.Evaluated> recorded = new ArrayList<>();

    /** Sets what the checks before DMARC would have found. */
    private record Found(AuthResults.SpfAuth spf, ArcResult arc) implements Check {
        @Override
        public String name() {
            return "found";
        }

        @Override
        public Set<Stage> stages() {
            return Set.of(Stage.DATA);
        }

        @Override
        public Verdict check(Stage stage, Facts facts) {
            if (spf != null) facts.spf(spf);
            if (arc != null) facts.arc(arc);
            return Verdict.DUNNO;
        }
    }


    private record Outcome(Gate.EndOfData decision, String hold, String message) {}

    private Outcome receive(String from, Found found, DmarcCheck.Settings settings) throws Exception {
        Consumer<DmarcCheck.Evaluated> record = recorded::add;
        var check = new DmarcCheck(new DmarcEvaluator(dns, settings.dmarc().orgDomain(), null), settings, record);
        var pipeline = new Pipeline(List.of(found, check), a -> false, OptOut.DEFAULT, a -> new ClientName(ClientName.Status.NONE, null),
                "mx.example.org");
        Gate.Session s = pipeline.open(InetAddress.ofLiteral("198.51.100.7"));
        s.connect();
        s.helo("sender.example");
        s.mail(new QueueId.Generator().next(), ReversePath.of(new Mailbox("x", "sender.example")), -1);
        s.rcpt(new Mailbox("bob", "example.org"));
        var m = new MemoryContent("From: " + from + "\r\nSubject: hi\r\n\r\nHello\r\n");
        Gate.EndOfData d = s.endOfData(m);
        return new Outcome(d, s.hold(), m.text());
    }

    private static DmarcCheck.Settings settings(DmarcCheck.OnReject onReject, DmarcCheck.Quarantine quarantine, String... trusted) {
        return new DmarcCheck.Settings(onReject, quarantine, DmarcSettings.DEFAULTS, List.of(trusted));
    }

    private static final DmarcCheck.Settings DEFAULT = settings(DmarcCheck.OnReject.REJECT, DmarcCheck.Quarantine.HOLD);
    private static final Found NOTHING_ALIGNED = new Found(new AuthResults.SpfAuth("sender.example", AuthResults.SpfScope.MFROM, "pass"), null);

    @Test
    void a_failure_under_p_reject_is_refused_with_550_5_7_1() throws Exception {
        Outcome o = receive("<ceo@bank.example>", NOTHING_ALIGNED, DEFAULT);
        assertThat(o.decision()).isInstanceOf(Gate.EndOfData.Refuse.class);
        var reply = ((Gate.EndOfData.Refuse) o.decision()).reply();
        assertThat(reply.code()).isEqualTo(550);
        assertThat(reply.enhanced()).isEqualTo("5.7.1");
        assertThat(recorded).singleElement().satisfies(e -> assertThat(e.reportRecord()).isNotNull());
    }

    @Test
    void an_aligned_spf_pass_passes_and_says_so_in_authentication_results() throws Exception {
        Outcome o = receive("<ceo@bank.example>", new Found(new AuthResults.SpfAuth("bank.example", AuthResults.SpfScope.MFROM, "pass"), null),
                DEFAULT);
        assertThat(o.decision()).isEqualTo(Gate.EndOfData.PASS);
        assertThat(o.message()).contains("dmarc=pass (p=reject dis=none) header.from=bank.example");
    }

    @Test
    void a_failure_under_p_quarantine_is_held_or_marked_as_configured() throws Exception {
        Outcome held = receive("<news@shop.example>", NOTHING_ALIGNED, DEFAULT);
        assertThat(held.decision()).isEqualTo(Gate.EndOfData.PASS);
        assertThat(held.hold()).contains("dmarc=fail");
        Outcome marked = receive("<news@shop.example>", NOTHING_ALIGNED, settings(DmarcCheck.OnReject.REJECT, DmarcCheck.Quarantine.HEADER));
        assertThat(marked.hold()).isNull();
        assertThat(marked.message()).contains("X-Spam: Yes");
    }

    @Test
    void the_operator_may_soften_a_reject() throws Exception {
        Outcome o = receive("<ceo@bank.example>", NOTHING_ALIGNED, settings(DmarcCheck.OnReject.QUARANTINE, DmarcCheck.Quarantine.HOLD));
        assertThat(o.decision()).isEqualTo(Gate.EndOfData.PASS);
        assertThat(o.hold()).isNotNull();
        Outcome tagged = receive("<ceo@bank.example>", NOTHING_ALIGNED, settings(DmarcCheck.OnReject.TAG, DmarcCheck.Quarantine.HOLD));
        assertThat(tagged.hold()).isNull();
        assertThat(tagged.message()).contains("dmarc=fail");
    }

    private static ArcResult sealedBy(String sealer, String results) {
        return new ArcResult.Pass(List.of(new ArcResult.Hop(1, sealer, "s1", sealer, "mx." + sealer, results)), 0);
    }

    @Test
    void a_chain_sealed_by_a_trusted_forwarder_that_saw_dmarc_pass_spares_the_message_and_the_report_says_why() throws Exception {
        Found forwarded = new Found(NOTHING_ALIGNED.spf(), sealedBy("lists.example", "spf=pass smtp.mailfrom=bank.example; dmarc=pass"));
        Outcome o = receive("<ceo@bank.example>", forwarded, settings(DmarcCheck.OnReject.REJECT, DmarcCheck.Quarantine.HOLD, "lists.example"));
        assertThat(o.decision()).isEqualTo(Gate.EndOfData.PASS);
        assertThat(o.message()).contains("X-Facteur-DMARC: reject not applied: forwarded by lists.example");
        assertThat(recorded.getLast().reportRecord().policyEvaluated().reasons()).singleElement()
                .satisfies(r -> assertThat(r.type()).isEqualTo("trusted_forwarder"));
    }

    @Test
    void a_chain_sealed_by_anyone_else_or_without_dmarc_pass_changes_nothing() throws Exception {
        var trusted = settings(DmarcCheck.OnReject.REJECT, DmarcCheck.Quarantine.HOLD, "lists.example");
        Found stranger = new Found(NOTHING_ALIGNED.spf(), sealedBy("evil.example", "dmarc=pass"));
        assertThat(receive("<ceo@bank.example>", stranger, trusted).decision()).isInstanceOf(Gate.EndOfData.Refuse.class);
        Found sawFail = new Found(NOTHING_ALIGNED.spf(), sealedBy("lists.example", "spf=pass; dmarc=fail"));
        assertThat(receive("<ceo@bank.example>", sawFail, trusted).decision()).isInstanceOf(Gate.EndOfData.Refuse.class);
    }

    @Test
    void a_from_naming_more_domains_than_allowed_is_refused() throws Exception {
        Outcome o = receive("a@one.example, b@two.example, c@three.example, d@four.example, e@bank.example", NOTHING_ALIGNED, DEFAULT);
        assertThat(o.decision()).isInstanceOf(Gate.EndOfData.Refuse.class);
        assertThat(String.join(" ", ((Gate.EndOfData.Refuse) o.decision()).reply().lines())).contains("Too many domains");
    }
}
