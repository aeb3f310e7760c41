package dev.facteur.bounce;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.dsn.DsnAction;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** What a refusal means for the address: status code first (RFC 3463), then reply code and words. */
class BounceClassifierTest {

    private static BounceClass failed(String status, String diagnostic) {
        return BounceClassifier.classify(DsnAction.FAILED, StatusCode.parse(status), ReplyCodes.find(diagnostic), diagnostic);
    }

    private static BounceClass reply(String diagnostic) {
        return BounceClassifier.classify(DsnAction.FAILED, Optional.empty(), ReplyCodes.find(diagnostic), diagnostic);
    }

    @ParameterizedTest(name = "{0} is {1}")
    @CsvSource({
            "5.1.1, HARD", // bad destination mailbox address
            "5.1.2, HARD", // bad destination system address
            "5.1.3, HARD", // bad destination mailbox address syntax
            "5.1.6, HARD", // destination mailbox has moved
            "5.1.10, HARD", // recipient address has null MX (RFC 7505)
            "5.1.7, POLICY", // bad sender's mailbox address syntax: nothing against the recipient
            "5.1.8, POLICY", // bad sender's system address
            "5.2.1, HARD", // mailbox disabled
            "4.2.1, SOFT", // mailbox disabled for now
            "5.2.2, SOFT", // mailbox full
            "5.2.3, TOO_LARGE", // message length exceeds administrative limit
            "5.3.1, SOFT", // mail system full
            "5.3.4, TOO_LARGE", // message too big for system
            "5.4.4, HARD", // unable to route
            "4.4.1, SOFT", // no answer from host
            "5.4.7, SOFT", // delivery time expired: the receiver kept deferring
            "5.5.2, UNDETERMINED", // syntax error: a protocol error says nothing about the address
            "5.5.3, SOFT", // too many recipients
            "5.6.7, POLICY", // non-ASCII addresses not permitted (RFC 6531)
            "5.7.1, POLICY", // delivery not authorized, message refused
            "5.7.26, POLICY", // multiple authentication checks failed (DMARC)
            "4.7.1, POLICY", // a temporary refusal by policy is still policy
    })
    void theStatusCodeDecidesWhenItIsSpecific(String status, BounceClass expected) { // RFC 3463 §3
        assertThat(failed(status, "")).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0} {1} is {2}")
    @CsvSource(delimiter = '|', value = {
            "5.0.0 | 550 5.0.0 <alice@example.org>... User unknown | HARD",
            "5.0.0 | 550 Requested action not taken: mailbox full | SOFT",
            "5.0.0 | 554 Message rejected: spam detected | POLICY",
            "5.0.0 | 552 Message size exceeds maximum permitted | TOO_LARGE",
            "5.1.0 | 550 5.1.0 Address rejected. | HARD",
            "5.1.0 | 550 5.1.0 <x@example.com> sender rejected | POLICY",
            "5.0.0 | 554 Service currently unavailable | SOFT",
            "5.0.0 | 550 nothing to read here | UNDETERMINED",
            "5.4.0 | 550 something | SOFT", // the subject alone: network and routing
            "5.7.0 | 554 5.7.0 Header error | POLICY",
    })
    void aGenericStatusIsReadWithTheWordsOfTheReply(String status, String diagnostic, BounceClass expected) {
        assertThat(failed(status, diagnostic)).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0} is {1}")
    @CsvSource(delimiter = '|', value = {
            "451 Requested action aborted: local error in processing | SOFT", // RFC 5321 §4.2.1: 4yz is transient
            "421 Service not available, closing transmission channel | SOFT",
            "421 Your IP is blocked (see https://rbl.example) | POLICY",
            "551 User not local; please try <forward@example.net> | HARD",
            "556 Domain does not accept mail | HARD", // RFC 7504
            "550 Requested action not taken | UNDETERMINED",
            "552 Requested mail action aborted | UNDETERMINED", // storage (RFC 5321) or size (RFC 1870)
            "554 Transaction failed | UNDETERMINED",
    })
    void withoutAStatusTheReplyCodeAndItsWordsDecide(String diagnostic, BounceClass expected) {
        assertThat(reply(diagnostic)).isEqualTo(expected);
    }

    @Test
    void theActionComesFirst() { // RFC 3464 §2.3.3
        assertThat(BounceClassifier.classify(DsnAction.DELAYED, StatusCode.parse("5.1.1"), OptionalInt.of(550), "user unknown"))
                .isEqualTo(BounceClass.SOFT);
        for (DsnAction a : new DsnAction[] {DsnAction.DELIVERED, DsnAction.RELAYED, DsnAction.EXPANDED}) {
            assertThat(BounceClassifier.classify(a, StatusCode.parse("2.0.0"), OptionalInt.empty(), "")).isEqualTo(BounceClass.NOT_A_FAILURE);
        }
    }

    @Test
    void aTransientRefusalIsSoftUnlessItIsPolicy() {
        assertThat(failed("4.7.1", "451 4.7.1 Greylisted, please try again in 5 minutes")).isEqualTo(BounceClass.SOFT);
        assertThat(failed("4.7.0", "421 4.7.0 [TSS04] Messages from 192.0.2.1 temporarily deferred due to unexpected volume or user complaints"))
                .isEqualTo(BounceClass.POLICY);
        assertThat(failed("4.1.1", "450 4.1.1 <alice@example.org>: Recipient address rejected: User unknown")).isEqualTo(BounceClass.SOFT);
        assertThat(failed("4.2.2", "452 4.2.2 Mailbox full")).isEqualTo(BounceClass.SOFT);
    }

    @Test
    void anExpiredMessageIsSoft() { // the receiver kept deferring it; nothing said the address is gone
        assertThat(failed("4.4.7", "")).isEqualTo(BounceClass.SOFT);
        assertThat(failed("5.4.7", "delivery time expired")).isEqualTo(BounceClass.SOFT);
        assertThat(reply("retry timeout exceeded; delivery time expired")).isEqualTo(BounceClass.SOFT);
    }

    @Test
    void aNullMxIsHardEvenWhenReportedAsTransient() { // RFC 7505 §4.2
        assertThat(failed("4.0.0", "DNS Error: DNS type 'mx' lookup of example.org responded with code NOERROR The domain example.org"
                + " doesn't receive email according to the administrator: returned Null MX")).isEqualTo(BounceClass.HARD);
        assertThat(failed("5.1.10", "556 5.1.10 Recipient address has null MX")).isEqualTo(BounceClass.HARD);
    }

    @Test
    void aStatusOfAMissingMailboxYieldsToWordsOfAnotherClass() {
        assertThat(failed("5.1.1", "552 sorry, mailbox alice@example.org is over quota temporarily (#5.1.1)")).isEqualTo(BounceClass.SOFT);
        assertThat(failed("5.1.3", "553 http://www.spamhaus.org/query/bl?ip=192.0.2.222")).isEqualTo(BounceClass.POLICY);
        assertThat(failed("5.1.1", "550 5.1.1 <alice@example.org>: Recipient address rejected: User unknown")).isEqualTo(BounceClass.HARD);
        assertThat(failed("5.1.1", "550 5.1.1 RESOLVER.ADR.RecipNotFound; not found")).isEqualTo(BounceClass.HARD);
    }

    @Test
    void anUnknownUserAfterDataIsAFiltersRefusal() { // RFC 5321 §3.3: recipients are checked at RCPT TO
        assertThat(BounceClassifier.classify(DsnAction.FAILED, Optional.empty(), OptionalInt.of(550), "550 Unknown user", true))
                .isEqualTo(BounceClass.POLICY);
        assertThat(BounceClassifier.classify(DsnAction.FAILED, Optional.empty(), OptionalInt.of(550), "550 Unknown user", false))
                .isEqualTo(BounceClass.HARD);
        // a status code says which mailbox it is about, whenever it was said
        assertThat(BounceClassifier.classify(DsnAction.FAILED, StatusCode.parse("5.1.1"), OptionalInt.of(550), "550 5.1.1 Unknown user", true))
                .isEqualTo(BounceClass.HARD);
    }

    @Test
    void aSuccessCodeOnAFailureIsIgnored() {
        assertThat(BounceClassifier.classify(DsnAction.FAILED, StatusCode.parse("2.0.0"), OptionalInt.empty(), "550 user unknown"))
                .isEqualTo(BounceClass.HARD);
    }

    @Test
    void nothingToReadIsUndetermined() {
        assertThat(BounceClassifier.classify(DsnAction.FAILED, Optional.empty(), OptionalInt.empty(), "")).isEqualTo(BounceClass.UNDETERMINED);
        assertThat(BounceClassifier.classify(DsnAction.FAILED, Optional.empty(), OptionalInt.empty(), null)).isEqualTo(BounceClass.UNDETERMINED);
    }
}
