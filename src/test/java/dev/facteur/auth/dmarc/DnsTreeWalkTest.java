package dev.facteur.auth.dmarc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.auth.dmarc.OrganizationalDomains.Answer;
import dev.facteur.dns.TxtAnswer;
import dev.facteur.testing.FakeDnsResolver;
import org.junit.jupiter.api.Test;

/** DMARCbis §4.10 and its examples. */
class DnsTreeWalkTest {

    @Test void longNamesAreShortenedToSevenLabelsAfterTheFirstQuery() { // §4.10, the eight-query example
        assertThat(DnsTreeWalk.queryNames("a.b.c.d.e.f.g.h.i.j.mail.example.com")).containsExactly(
                "a.b.c.d.e.f.g.h.i.j.mail.example.com", "g.h.i.j.mail.example.com", "h.i.j.mail.example.com",
                "i.j.mail.example.com", "j.mail.example.com", "mail.example.com", "example.com", "com");
    }

    @Test void shortNamesLoseOneLabelAtATime() {
        assertThat(DnsTreeWalk.queryNames("a.mail.example.com")).containsExactly("a.mail.example.com", "mail.example.com", "example.com", "com");
        assertThat(DnsTreeWalk.queryNames("com")).containsExactly("com");
        assertThat(DnsTreeWalk.queryNames("a.b.c.d.e.f.g.h")).hasSize(8).startsWith("a.b.c.d.e.f.g.h", "b.c.d.e.f.g.h");
    }

    @Test void theWalkAsksTheDnsWhatItSays() {
        var dns = new FakeDnsResolver();
        new DnsTreeWalk(dns).organizationalDomain("a.b.c.d.e.f.g.h.i.j.mail.example.com");
        assertThat(dns.asked()).hasSize(8).first().isEqualTo("TXT _dmarc.a.b.c.d.e.f.g.h.i.j.mail.example.com");
    }

    private static String org(FakeDnsResolver dns, String domain) {
        return switch (new DnsTreeWalk(dns).organizationalDomain(domain)) {
            case Answer.Found(String d) -> d;
            case Answer.TempFail(String reason) -> throw new AssertionError(reason);
        };
    }

    @Test void fewestLabelsWins() { // §4.10.2, first example
        var dns = new FakeDnsResolver()
                .withTxt("_dmarc.mail.example.com", "v=DMARC1; p=none")
                .withTxt("_dmarc.example.com", "v=DMARC1; p=reject");
        assertThat(org(dns, "a.mail.example.com")).isEqualTo("example.com");
    }

    @Test void psdNoStopsTheWalk() { // §4.10.2, second example
        var dns = new FakeDnsResolver()
                .withTxt("_dmarc.mail.example.com", "v=DMARC1; p=none; psd=n")
                .withTxt("_dmarc.example.com", "v=DMARC1; p=reject");
        assertThat(org(dns, "a.mail.example.com")).isEqualTo("mail.example.com");
        assertThat(dns.asked()).doesNotContain("TXT _dmarc.example.com");
    }

    @Test void psdYesMakesTheNameBelowItTheOrganizationalDomain() { // §4.10.2, last example
        var dns = new FakeDnsResolver().withTxt("_dmarc.com", "v=DMARC1; p=reject; psd=y");
        assertThat(org(dns, "a.mail.example.com")).isEqualTo("example.com");
    }

    @Test void psdYesBelowTheTop() { // §4.10.2 rule 2's own example
        var dns = new FakeDnsResolver().withTxt("_dmarc.example.com", "v=DMARC1; p=none; psd=y");
        assertThat(org(dns, "mail.example.com")).isEqualTo("mail.example.com");
        assertThat(org(dns, "a.b.mail.example.com")).isEqualTo("mail.example.com");
    }

    @Test void psdYesAtTheStartIsItsOwnOrganizationalDomain() { // rule 2: "other than the one for the domain where the tree walk started"
        var dns = new FakeDnsResolver().withTxt("_dmarc.example", "v=DMARC1; p=reject; psd=y");
        assertThat(org(dns, "example")).isEqualTo("example");
    }

    @Test void noRecordMeansTheDomainItself() { // "If this process does not determine the Organizational Domain ..."
        assertThat(org(new FakeDnsResolver(), "a.mail.example.com")).isEqualTo("a.mail.example.com");
    }

    @Test void severalRecordsAtANameAreAllDiscarded() { // §4.10 step 2
        var dns = new FakeDnsResolver()
                .withTxt("_dmarc.mail.example.com", "v=DMARC1; p=none; psd=n", "v=DMARC1; p=reject")
                .withTxt("_dmarc.example.com", "v=DMARC1; p=reject");
        assertThat(org(dns, "a.mail.example.com")).isEqualTo("example.com");
    }

    @Test void recordsThatAreNotDmarcDoNotCount() {
        var dns = new FakeDnsResolver()
                .withTxt("_dmarc.mail.example.com", "v=spf1 -all", "google-site-verification=abc")
                .withTxt("_dmarc.example.com", "v=DMARC1; p=reject");
        assertThat(org(dns, "a.mail.example.com")).isEqualTo("example.com");
    }

    @Test void aTemporaryFailureIsNotAnAnswer() {
        var dns = new FakeDnsResolver().withTxt("_dmarc.example.com", new TxtAnswer.TempFail("SERVFAIL"));
        assertThat(new DnsTreeWalk(dns).organizationalDomain("mail.example.com")).isInstanceOf(Answer.TempFail.class);
    }

    @Test void policyOfAnIntermediateNameDoesNotApplyBelowIt() { // §4.10.1: Author Domain, Organizational Domain, PSD
        var dns = new FakeDnsResolver()
                .withTxt("_dmarc.mail.example.com", "v=DMARC1; p=none")
                .withTxt("_dmarc.example.com", "v=DMARC1; p=reject");
        assertThat(new DnsTreeWalk(dns).policy("a.mail.example.com"))
                .isEqualTo(new PolicyDiscovery.Found("example.com", DmarcRecordTest.valid("v=DMARC1; p=reject")));
        assertThat(new DnsTreeWalk(dns).policy("mail.example.com"))
                .isEqualTo(new PolicyDiscovery.Found("mail.example.com", DmarcRecordTest.valid("v=DMARC1; p=none")));
    }

    @Test void psdPolicyAppliesWhenTheOrganizationalDomainHasNone() { // §4.10.1; RFC 9091
        var dns = new FakeDnsResolver().withTxt("_dmarc.example", "v=DMARC1; p=quarantine; psd=y");
        assertThat(new DnsTreeWalk(dns).policy("mail.org.example"))
                .isEqualTo(new PolicyDiscovery.Found("example", DmarcRecordTest.valid("v=DMARC1; p=quarantine; psd=y")));
    }

    @Test void psdPolicyDoesNotApplyWhenTheOrganizationalDomainHasOne() { // §4.10.1 Note
        var dns = new FakeDnsResolver()
                .withTxt("_dmarc.example", "v=DMARC1; p=reject; psd=y")
                .withTxt("_dmarc.org.example", "v=DMARC1; p=none");
        assertThat(new DnsTreeWalk(dns).policy("mail.org.example"))
                .isEqualTo(new PolicyDiscovery.Found("org.example", DmarcRecordTest.valid("v=DMARC1; p=none")));
    }

    @Test void eachNameIsAskedOnce() {
        var dns = new FakeDnsResolver().withTxt("_dmarc.example.com", "v=DMARC1; p=reject");
        var walk = new DnsTreeWalk(dns);
        walk.policy("a.mail.example.com");
        walk.organizationalDomain("a.mail.example.com");
        walk.organizationalDomain("mail.example.com");
        assertThat(dns.asked()).containsExactly("TXT _dmarc.a.mail.example.com", "TXT _dmarc.mail.example.com",
                "TXT _dmarc.example.com", "TXT _dmarc.com");
    }
}
