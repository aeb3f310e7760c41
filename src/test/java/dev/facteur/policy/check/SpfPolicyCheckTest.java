package dev.facteur.policy.check;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.auth.spf.Spf;
import dev.facteur.auth.spf.SpfSettings;
import dev.facteur.policy.Verdict;
import dev.facteur.testing.FakeDnsResolver;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The spf check at MAIL: what it adds, and what it refuses when told to. */
class SpfPolicyCheckTest {

    private final FakeDnsResolver dns = new FakeDnsResolver()
            .withTxt("sender.example", "v=spf1 ip4:192.0.2.1 -all")
            .withTxt("mx.sender.example", "v=spf1 a -all").withAddresses("mx.sender.example", "192.0.2.1")
            .silent("slow.example");

    private static SpfPolicyCheck.Settings settings(SpfPolicyCheck.OnResult onFail, SpfPolicyCheck.OnResult onTempError) {
        return new SpfPolicyCheck.Settings(onFail, onTempError, SpfPolicyCheck.OnResult.TAG, true, Duration.ofSeconds(1), false);
    }

    private Dialogue dialogue(String client, SpfPolicyCheck.Settings settings) {
        var check = new SpfPolicyCheck(new Spf(dns, SpfSettings.of("mx.example.org")), settings, "mx.example.org");
        Dialogue d = Dialogue.of(client, check);
        d.connect();
        d.helo("mx.sender.example");
        return d;
    }

    @Test
    void a_listed_client_passes_and_the_message_gets_received_spf() {
        Verdict v = dialogue("192.0.2.1", SpfPolicyCheck.Settings.DEFAULT).mail("alice@sender.example");
        assertThat(v).isInstanceOfSatisfying(Verdict.AddHeader.class, h -> assertThat(h.field()).startsWith("Received-SPF: pass")
                .contains("client-ip=192.0.2.1").contains("envelope-from=\"alice@sender.example\"").contains("identity=mailfrom"));
    }

    @Test
    void a_fail_is_recorded_unless_the_operator_refuses_it_with_550_5_7_23() {
        assertThat(dialogue("198.51.100.9", SpfPolicyCheck.Settings.DEFAULT).mail("alice@sender.example"))
                .isInstanceOfSatisfying(Verdict.AddHeader.class, h -> assertThat(h.field()).startsWith("Received-SPF: fail"));
        Verdict v = dialogue("198.51.100.9", settings(SpfPolicyCheck.OnResult.REJECT, SpfPolicyCheck.OnResult.TAG)).mail("alice@sender.example");
        assertThat(v).isInstanceOfSatisfying(Verdict.Reject.class, r -> {
            assertThat(r.reply().code()).isEqualTo(550);
            assertThat(r.reply().enhanced()).isEqualTo("5.7.23");
        });
    }

    @Test
    void a_bounce_is_checked_as_its_helo_name() {
        Verdict v = dialogue("192.0.2.1", SpfPolicyCheck.Settings.DEFAULT).mail("");
        assertThat(v).isInstanceOfSatisfying(Verdict.AddHeader.class, h -> assertThat(h.field()).startsWith("Received-SPF: pass")
                .contains("identity=helo"));
    }

    @Test
    void dns_that_does_not_answer_in_time_is_a_temperror_deferred_when_asked_never_a_pass() {
        assertThat(dialogue("192.0.2.1", settings(SpfPolicyCheck.OnResult.TAG, SpfPolicyCheck.OnResult.TAG)).mail("alice@slow.example"))
                .isInstanceOfSatisfying(Verdict.AddHeader.class, h -> assertThat(h.field()).startsWith("Received-SPF: temperror"));
        Verdict v = dialogue("192.0.2.1", settings(SpfPolicyCheck.OnResult.TAG, SpfPolicyCheck.OnResult.DEFER)).mail("alice@slow.example");
        assertThat(v).isInstanceOfSatisfying(Verdict.Defer.class, d -> assertThat(d.reply().enhanced()).isEqualTo("4.7.24"));
    }
}
