package dev.facteur.auth.arc;

import static dev.facteur.auth.arc.ArcTestData.stream;
import static dev.facteur.auth.arc.Forwarders.CLOCK;
import static dev.facteur.auth.arc.Forwarders.MESSAGE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.facteur.auth.dkim.DkimKeys;
import dev.facteur.auth.dkim.DkimSigner;
import dev.facteur.auth.dkim.SigningKey;
import dev.facteur.message.HeaderSection;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ArcSealerTest {

    static Forwarders net;
    static SigningKey lists, relay, mailbox;

    @BeforeAll
    static void keys() throws Exception {
        net = new Forwarders();
        lists = net.key("lists.example");
        relay = net.key("relay.example");
        mailbox = net.key("mailbox.example");
    }

    @Test
    void theFirstSetIsInstanceOneWithCvNoneAndItsFieldsComeSealFirst() throws Exception { // RFC 8617 §5.1, §4.1.3
        var sealing = new ArcSealer(lists, "mx.lists.example", CLOCK).seal(stream(MESSAGE), new ArcResult.None(),
                List.of("spf=pass smtp.mailfrom=origin.example", "dkim=pass header.d=origin.example"));
        assertThat(sealing).isInstanceOfSatisfying(ArcSealer.Sealing.Sealed.class, sealed -> {
            assertThat(sealed.instance()).isEqualTo(1);
            assertThat(sealed.cv()).isEqualTo(ChainValidationStatus.NONE);
            assertThat(sealed.fields()).extracting(HeaderSection::name)
                    .containsExactly("arc-seal", "arc-message-signature", "arc-authentication-results");
            assertThat(sealed.fields()).allSatisfy(f -> assertThat(f).endsWith("\r\n").doesNotContain("\r\n\r\n"));
            assertThat(sealed.fields().get(0)).contains("cv=none", "i=1", "d=lists.example", "s=arc", "t=" + CLOCK.instant().getEpochSecond())
                    .doesNotContain("h=");
            assertThat(sealed.fields().get(1)).contains("c=relaxed/relaxed", "h=from:subject:to:date:message-id:mime-version:content-type;", "i=1");
            // §4.1.1: our results, the chain's own first
            assertThat(sealed.fields().get(2)).isEqualTo("ARC-Authentication-Results: i=1; mx.lists.example;\r\n\tarc=none;\r\n"
                    + "\tspf=pass smtp.mailfrom=origin.example;\r\n\tdkim=pass header.d=origin.example\r\n");
        });
    }

    @Test
    void eachHopAddsTheNextInstanceAndTheChainNamesItsSealers() throws Exception {
        String message = net.forward(net.forward(net.forward(MESSAGE, lists), relay), mailbox);
        assertThat(net.verify(message)).isInstanceOfSatisfying(ArcResult.Pass.class, pass -> {
            assertThat(pass.instance()).isEqualTo(3);
            assertThat(pass.sealers()).containsExactly("lists.example", "relay.example", "mailbox.example");
            assertThat(pass.oldestPass()).isZero(); // nobody changed the message: every AMS still verifies
            assertThat(pass.newest().authservId()).isEqualTo("mx.mailbox.example");
            assertThat(pass.hops().get(1).results()).isEqualTo("arc=pass (i=1 sealed by lists.example) header.oldest-pass=0; spf=pass smtp.mailfrom=origin.example");
        });
    }

    @Test
    void aHopThatChangesTheMessageAndSealsMovesOldestPass() throws Exception { // RFC 8617 §5.2 step 5
        String first = net.forward(MESSAGE, lists);
        String second = net.forward(first, relay, m -> m.replace("Subject: Minutes", "Subject: [list] Minutes"));
        assertThat(net.verify(second)).isInstanceOfSatisfying(ArcResult.Pass.class, pass -> {
            assertThat(pass.oldestPass()).isEqualTo(2); // lists.example signed another subject
            assertThat(pass.methodResult()).isEqualTo("arc=pass (i=2 sealed by lists.example,relay.example) header.oldest-pass=2");
        });
    }

    @Test
    void aChangeAfterTheLastSealBreaksTheChain() throws Exception { // RFC 8617 §5.2 step 4
        String tagged = net.forward(MESSAGE, lists).replace("Subject: Minutes", "Subject: [list] Minutes");
        assertThat(net.verify(tagged)).isInstanceOfSatisfying(ArcResult.Fail.class,
                f -> assertThat(f.reason()).isEqualTo("AMS i=1 (d=lists.example): signature did not verify"));
    }

    @Test
    void aBrokenChainIsSealedWithCvFailAndNeverAgain() throws Exception { // RFC 8617 §5.1 step 2, §5.1.2
        String broken = net.forward(MESSAGE, lists).replace("The minutes", "The real minutes");
        ArcResult found = net.verify(broken);
        assertThat(found).isInstanceOfSatisfying(ArcResult.Fail.class, f -> {
            assertThat(f.failure()).isEqualTo(ArcResult.Failure.BROKEN);
            assertThat(f.reason()).contains("AMS i=1", "body hash did not verify");
        });
        var sealing = new ArcSealer(relay, "mx.relay.example", CLOCK).seal(stream(broken), found, List.of());
        assertThat(sealing).isInstanceOfSatisfying(ArcSealer.Sealing.Sealed.class, s -> {
            assertThat(s.instance()).isEqualTo(2);
            assertThat(s.cv()).isEqualTo(ChainValidationStatus.FAIL);
            assertThat(s.fields().get(2)).contains("arc=fail reason=\"AMS i=1 (d=lists.example): body hash did not verify\"");
        });
        String markedFailed = String.join("", ((ArcSealer.Sealing.Sealed) sealing).fields()) + broken;
        ArcResult after = net.verify(markedFailed);
        assertThat(after).isInstanceOfSatisfying(ArcResult.Fail.class, f -> assertThat(f.failure()).isEqualTo(ArcResult.Failure.MARKED_FAILED));
        assertThat(new ArcSealer(mailbox, "mx.mailbox.example", CLOCK).seal(stream(markedFailed), after, List.of()))
                .isInstanceOf(ArcSealer.Sealing.NotSealed.class);
    }

    @Test
    void aChainThatCouldNotBeCheckedNowIsNotCondemned() throws Exception {
        String sealed = net.forward(MESSAGE, lists);
        var temporary = new ArcResult.Fail("key lookup of arc._domainkey.lists.example failed: SERVFAIL", 1, ArcResult.Failure.TEMPORARY);
        assertThat(new ArcSealer(relay, "mx.relay.example", CLOCK).seal(stream(sealed), temporary, List.of()))
                .isInstanceOfSatisfying(ArcSealer.Sealing.NotSealed.class, n -> assertThat(n.reason()).contains("condemn"));
    }

    @Test
    void fiftySetsAreTheMostAChainHolds() throws Exception { // RFC 8617 §4.2.1, §5.2 step 1
        String message = MESSAGE;
        for (int i = 0; i < 50; i++) message = net.forward(message, i % 2 == 0 ? lists : relay);
        ArcResult fifty = net.verify(message);
        assertThat(fifty).isInstanceOfSatisfying(ArcResult.Pass.class, p -> assertThat(p.instance()).isEqualTo(50));
        assertThat(new ArcSealer(mailbox, "mx.mailbox.example", CLOCK).seal(stream(message), fifty, List.of()))
                .isInstanceOfSatisfying(ArcSealer.Sealing.NotSealed.class, n -> assertThat(n.reason()).contains("50 sets"));
    }

    @Test
    void aResultThatIsNotThisMessagesChainIsRefused() throws Exception {
        String sealed = net.forward(MESSAGE, lists);
        var sealer = new ArcSealer(relay, "mx.relay.example", CLOCK);
        assertThatThrownBy(() -> sealer.seal(stream(sealed), new ArcResult.None(), List.of())).isInstanceOf(IllegalArgumentException.class);
        ArcResult.Pass two = new ArcResult.Pass(List.of(new ArcResult.Hop(1, "a.example", "s", "a.example", "a", ""),
                new ArcResult.Hop(2, "b.example", "s", "b.example", "b", "")), 0);
        assertThatThrownBy(() -> sealer.seal(stream(sealed), two, List.of())).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void sealsAreRsaAndNeverSignArcSeal() throws Exception { // RFC 8617 §4.1.2; receivers refuse Ed25519 seals
        var ed = new SigningKey("lists.example", "ed", new DkimSigner.Key("ed25519-sha256", DkimKeys.generate("ed25519", 0).getPrivate()));
        assertThatThrownBy(() -> new ArcSealer(ed, "mx", CLOCK)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ArcSealer(lists, "mx", CLOCK, List.of("from", "ARC-Seal"))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void everyFieldsInstanceStaysFindableAsDkimpyLooksForIt() throws Exception { // dkimpy 1.1.4 finds a set's AMS by " i=N;"
        String longHeader = "List-Id: <list.lists.example>\r\nList-Post: <mailto:list@lists.example>\r\nCc: archive@lists.example\r\n"
                + "Reply-To: <minutes@origin.example>\r\nReferences: <agenda@origin.example>\r\n" + MESSAGE;
        var sealed = (ArcSealer.Sealing.Sealed) new ArcSealer(lists, "mx.lists.example", CLOCK).seal(stream(longHeader), new ArcResult.None(), List.of());
        assertThat(sealed.fields().get(1)).contains("\r\n ").contains(" i=1;"); // folded, and the fold is a space
        assertThat(net.verify(String.join("", sealed.fields()) + longHeader)).isInstanceOf(ArcResult.Pass.class);
    }

    @Test
    void theMessageSignatureSignsTheDkimSignaturesItFinds() throws Exception { // RFC 8617 §4.1.2
        String signed = "DKIM-Signature: v=1; a=rsa-sha256; d=origin.example; s=x; h=from; bh=AA==; b=AA==\r\n" + MESSAGE;
        var sealing = (ArcSealer.Sealing.Sealed) new ArcSealer(lists, "mx.lists.example", CLOCK).seal(stream(signed), new ArcResult.None(), List.of());
        assertThat(sealing.fields().get(1)).contains("dkim-signature");
    }
}
