package dev.facteur.policy.check;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.dns.AddressAnswer;
import dev.facteur.policy.Verdict;
import dev.facteur.smtp.Reply;
import dev.facteur.testing.FakeDnsResolver;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The sender's domain in domain-based DNS lists (RFC 5782 §3), with the weights and filters of the address lists. */
class RhsblCheckTest {

    private final FakeDnsResolver dns = new FakeDnsResolver();

    private Verdict mail(DnsListSettings s, String sender) {
        var d = Dialogue.of("192.0.2.1", new RhsblCheck(dns, s));
        d.connect();
        d.helo("mta.example.org");
        return d.mail(sender);
    }

    @Test
    void aListedSenderDomainIsRejectedWithTheListNamed() {
        dns.withAddresses("spam.example.dbl.example", "127.0.1.2");
        assertThat(mail(DnsListSettings.of(List.of("dbl.example")), "joe@Spam.Example")).isEqualTo(new Verdict.Reject(
                new Reply(554, "5.7.1", "Service unavailable; sender domain spam.example blocked using dbl.example"),
                "score 1, threshold 1: dbl.example answered 127.0.1.2"));
        assertThat(dns.asked()).containsExactly("A spam.example.dbl.example");
    }

    @Test
    void anUnlistedDomainPasses() {
        assertThat(mail(DnsListSettings.of(List.of("dbl.example")), "joe@clean.example")).isEqualTo(Verdict.DUNNO);
    }

    @Test
    void filtersAndWeightsWorkAsForAddresses() { // DBL's 127.0.1.255 says "IP queries prohibited": not a listing
        dns.withAddresses("spam.example.dbl.example", "127.0.1.255").withAddresses("spam.example.dwl.example", "127.0.2.1");
        var s = new DnsListSettings(List.of(DnsList.parse("dbl.example=127.0.1.[2..99]*2"), DnsList.parse("dwl.example*-1")), 1, 0,
                Action.REJECT, OnDnsFailure.IGNORE, Duration.ofSeconds(5), Map.of());
        assertThat(mail(s, "joe@spam.example")).isEqualTo(Verdict.DUNNO);
        dns.withAddresses("spam.example.dbl.example", "127.0.1.2");
        assertThat(mail(s, "joe@spam.example")).as("2 - 1").isInstanceOf(Verdict.Reject.class);
    }

    @Test
    void theNullSenderAndAddressLiteralsAreNotLookedUp() { // bounces have no domain (RFC 5321 §4.5.5)
        assertThat(mail(DnsListSettings.of(List.of("dbl.example")), "")).isEqualTo(Verdict.DUNNO);
        assertThat(mail(DnsListSettings.of(List.of("dbl.example")), "joe@[192.0.2.7]")).isEqualTo(Verdict.DUNNO);
        assertThat(dns.asked()).isEmpty();
    }

    @Test
    void aUtf8DomainIsLookedUpByItsALabels() { // RFC 5890: lists hold the names DNS holds
        dns.withAddresses("xn--bcher-kva.example.dbl.example", "127.0.1.2");
        assertThat(mail(DnsListSettings.of(List.of("dbl.example")), "joe@bücher.example")).isInstanceOfSatisfying(Verdict.Reject.class,
                r -> assertThat(r.reply().lines().getFirst()).contains("sender domain xn--bcher-kva.example"));
    }

    @Test
    void aListThatFailsDefersWhenConfigured() {
        dns.withAddresses("spam.example.dbl.example", new AddressAnswer.TempFail("timed out"));
        var s = new DnsListSettings(List.of(DnsList.parse("dbl.example")), 1, 0, Action.REJECT, OnDnsFailure.DEFER, Duration.ofSeconds(5),
                Map.of());
        assertThat(mail(s, "joe@spam.example")).isInstanceOfSatisfying(Verdict.Defer.class, d -> assertThat(d.reply())
                .isEqualTo(new Reply(451, "4.7.1", "Temporary failure looking up sender domain spam.example in dbl.example; try again later")));
    }

    @Test
    void aTagNamesTheDomainAndTheList() {
        dns.withAddresses("spam.example.dbl.example", "127.0.1.2");
        var s = new DnsListSettings(List.of(DnsList.parse("dbl.example")), 1, 0, Action.TAG, OnDnsFailure.IGNORE, Duration.ofSeconds(5),
                Map.of());
        assertThat(mail(s, "joe@spam.example")).isInstanceOfSatisfying(Verdict.AddHeader.class,
                h -> assertThat(h.field()).isEqualTo("X-Facteur-RHSBL: sender domain spam.example listed in dbl.example (score 1, threshold 1)"));
    }
}
