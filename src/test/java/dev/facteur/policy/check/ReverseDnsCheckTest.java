package dev.facteur.policy.check;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.policy.ClientName;
import dev.facteur.policy.ClientName.Status;
import dev.facteur.policy.Verdict;
import dev.facteur.policy.check.ReverseDnsCheck.Require;
import dev.facteur.policy.check.ReverseDnsCheck.Settings;
import dev.facteur.smtp.Reply;
import dev.facteur.testing.LogCapture;
import org.junit.jupiter.api.Test;

/** A client needs a name in reverse DNS: any PTR name, or one that resolves back (RFC 7372's X.7.25 when it has none). */
class ReverseDnsCheckTest {

    private static final ClientName CONFIRMED = new ClientName(Status.CONFIRMED, "mail.example.org");
    private static final ClientName UNCONFIRMED = new ClientName(Status.UNCONFIRMED, "mail.bank.example");
    private static final ClientName NONE = new ClientName(Status.NONE, null);
    private static final ClientName PTR_FAILED = new ClientName(Status.TEMPFAIL, null);
    private static final ClientName FORWARD_FAILED = new ClientName(Status.TEMPFAIL, "mail.example.org");

    private static Verdict connect(Settings s, ClientName name) {
        return Dialogue.of("192.0.2.1", a -> name, new ReverseDnsCheck(s)).connect();
    }

    @Test
    void aConfirmedNamePassesAtBothLevels() {
        assertThat(connect(new Settings(Require.CONFIRMED_NAME, Action.REJECT, OnDnsFailure.DEFER), CONFIRMED)).isEqualTo(Verdict.DUNNO);
        assertThat(connect(new Settings(Require.NAME, Action.REJECT, OnDnsFailure.DEFER), CONFIRMED)).isEqualTo(Verdict.DUNNO);
    }

    @Test
    void noNameIsRejectedWith550Of5725() { // RFC 7372 §3.2; reject_unknown_reverse_client_hostname
        var reject = new Verdict.Reject(new Reply(550, "5.7.25", "Reverse DNS validation failed: client [192.0.2.1] has no reverse DNS name"),
                "no PTR record");
        assertThat(connect(Settings.DEFAULT, NONE)).isEqualTo(reject);
        assertThat(connect(new Settings(Require.NAME, Action.REJECT, OnDnsFailure.DEFER), NONE)).isEqualTo(reject);
    }

    @Test
    void anUnconfirmedNameFailsOnlyWhenAConfirmedOneIsRequired() { // reject_unknown_client_hostname vs ..._reverse_...
        assertThat(connect(Settings.DEFAULT, UNCONFIRMED)).isEqualTo(new Verdict.Reject(new Reply(550, "5.7.25",
                "Reverse DNS validation failed: the reverse DNS name of client [192.0.2.1] does not resolve back to it"),
                "PTR mail.bank.example does not resolve back"));
        assertThat(connect(new Settings(Require.NAME, Action.REJECT, OnDnsFailure.DEFER), UNCONFIRMED)).isEqualTo(Verdict.DUNNO);
    }

    @Test
    void deferAndTagAreTheOtherActions() { // tags speak RFC 8601's iprev: fail, permerror, temperror
        assertThat(connect(new Settings(Require.CONFIRMED_NAME, Action.DEFER, OnDnsFailure.DEFER), NONE))
                .isInstanceOfSatisfying(Verdict.Defer.class, d -> assertThat(d.reply().code()).isEqualTo(450))
                .isInstanceOfSatisfying(Verdict.Defer.class, d -> assertThat(d.reply().enhanced()).isEqualTo("4.7.25"));
        assertThat(connect(new Settings(Require.CONFIRMED_NAME, Action.TAG, OnDnsFailure.DEFER), NONE)).isInstanceOfSatisfying(
                Verdict.AddHeader.class, h -> assertThat(h.field()).isEqualTo("X-Facteur-Reverse-DNS: permerror (client [192.0.2.1] has no reverse DNS name)"));
        assertThat(connect(new Settings(Require.CONFIRMED_NAME, Action.TAG, OnDnsFailure.DEFER), UNCONFIRMED)).isInstanceOfSatisfying(
                Verdict.AddHeader.class, h -> assertThat(h.field()).startsWith("X-Facteur-Reverse-DNS: fail ("));
        var off = new ReverseDnsCheck(new Settings(Require.CONFIRMED_NAME, Action.OFF, OnDnsFailure.DEFER));
        assertThat(off.stages()).isEmpty();
    }

    @Test
    void aDnsFailureDefersWith451Of4725ByDefaultNeverASilentPass() {
        var defer = new Verdict.Defer(new Reply(451, "4.7.25", "Temporary failure in reverse DNS of client [192.0.2.1]; try again later"),
                "PTR lookup failed");
        assertThat(connect(Settings.DEFAULT, PTR_FAILED)).isEqualTo(defer);
        assertThat(connect(Settings.DEFAULT, FORWARD_FAILED)).isInstanceOfSatisfying(Verdict.Defer.class,
                d -> assertThat(d.why()).isEqualTo("forward lookup of mail.example.org failed"));
        assertThat(connect(new Settings(Require.CONFIRMED_NAME, Action.REJECT, OnDnsFailure.TAG), PTR_FAILED)).isInstanceOfSatisfying(
                Verdict.AddHeader.class, h -> assertThat(h.field()).isEqualTo("X-Facteur-Reverse-DNS: temperror (PTR lookup failed for [192.0.2.1])"));
        try (var log = LogCapture.attach("facteur.policy")) {
            assertThat(connect(new Settings(Require.CONFIRMED_NAME, Action.REJECT, OnDnsFailure.IGNORE), PTR_FAILED)).isEqualTo(Verdict.DUNNO);
            assertThat(log.warnings()).singleElement().asString().contains("reverse DNS not checked: PTR lookup failed");
        }
    }

    @Test
    void whenAnyNameWillDoAFailedForwardLookupDoesNotMatter() { // the PTR name exists: that is all NAME asks
        assertThat(connect(new Settings(Require.NAME, Action.REJECT, OnDnsFailure.DEFER), FORWARD_FAILED)).isEqualTo(Verdict.DUNNO);
        assertThat(connect(new Settings(Require.NAME, Action.REJECT, OnDnsFailure.DEFER), PTR_FAILED)).isInstanceOf(Verdict.Defer.class);
    }
}
