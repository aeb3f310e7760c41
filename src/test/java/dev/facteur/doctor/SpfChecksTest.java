package dev.facteur.doctor;

import static dev.facteur.doctor.World.ADDRESS;
import static dev.facteur.doctor.World.DOMAIN;
import static dev.facteur.doctor.World.HOST;
import static dev.facteur.doctor.World.lines;
import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.auth.spf.Spf;
import dev.facteur.auth.spf.SpfSettings;
import dev.facteur.dns.TxtAnswer;
import dev.facteur.testing.FakeDnsResolver;
import java.net.InetAddress;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** RFC 7208 as receivers apply it: one record, within the limits of §4.6.4, passing each address mail leaves from. */
class SpfChecksTest {

    private static List<Check> check(FakeDnsResolver dns) {
        return new SpfChecks(dns, new Spf(dns, SpfSettings.of(HOST))).check(World.server(World.config(), dns), World.local());
    }

    private static List<Check> helo(FakeDnsResolver dns) {
        return new HeloSpfCheck(new Spf(dns, SpfSettings.of(HOST))).check(World.server(World.config(), dns));
    }

    @Test
    void aRecordThatPassesOurAddressPasses() {
        assertThat(lines(check(World.dns()))).containsExactly(
                "pass: The SPF record of example.org is within RFC 7208's limits",
                "pass: SPF of example.org lets 192.0.2.10 send (mx)");
    }

    @Test
    void noRecordFailsWithOneToPublish() {
        var checks = check(World.dns().withTxt(DOMAIN, "google-site-verification=abc"));
        assertThat(lines(checks)).containsExactly("fail: example.org has no SPF record");
        assertThat(checks.getFirst().fix()).containsExactly("example.org. TXT \"v=spf1 mx ip4:192.0.2.10 -all\"");
    }

    @Test
    void twoRecordsAreAPermanentError() { // §4.5
        var checks = check(World.dns().withTxt(DOMAIN, "v=spf1 mx -all", "v=spf1 include:_spf.provider.example ~all"));
        assertThat(lines(checks)).containsExactly("fail: example.org has 2 SPF records: receivers treat that as an error (permerror)");
    }

    @Test
    void aRecordMissingOurAddressFailsAndTheSuggestionAddsIt() {
        var checks = check(World.dns().withTxt(DOMAIN, "v=spf1 ip4:198.51.100.0/24 include:_spf.provider.example ~all")
                .withTxt("_spf.provider.example", "v=spf1 ip4:203.0.113.0/24 -all"));
        assertThat(lines(checks)).containsExactly(
                "pass: The SPF record of example.org is within RFC 7208's limits",
                "fail: SPF of example.org does not let 192.0.2.10 send: softfail (~all)");
        assertThat(checks.getLast().fix())
                .containsExactly("example.org. TXT \"v=spf1 ip4:192.0.2.10 ip4:198.51.100.0/24 include:_spf.provider.example ~all\"");
    }

    @Test
    void aRecordOverTheTenLookupLimitFailsEvenWhenOurAddressMatchesFirst() { // §4.6.4
        var dns = World.dns().withTxt(DOMAIN, "v=spf1 ip4:" + ADDRESS + " "
                + String.join(" ", IntStream.rangeClosed(1, 11).mapToObj(i -> "include:s" + i + ".example.net").toList()) + " -all");
        for (int i = 1; i <= 11; i++) dns.withTxt("s" + i + ".example.net", "v=spf1 ip4:198.51.100." + i + " -all");
        var checks = check(dns);
        assertThat(lines(checks)).containsExactly(
                "fail: The SPF record of example.org cannot be evaluated: more than 10 DNS-querying terms, at 'include:s11.example.net'",
                "pass: SPF of example.org lets 192.0.2.10 send (ip4:192.0.2.10)");
        assertThat(checks.getFirst().fix()).containsExactly("example.org. TXT \"v=spf1 mx ip4:192.0.2.10 -all\"");
    }

    @Test
    void aRecordThatLetsAnyonePassFails() {
        var checks = check(World.dns().withTxt(DOMAIN, "v=spf1 mx +all"));
        assertThat(lines(checks)).first().isEqualTo("fail: The SPF record of example.org lets any address pass (+all)");
        assertThat(checks.getFirst().fix()).containsExactly("example.org. TXT \"v=spf1 ip4:192.0.2.10 mx -all\"");
    }

    @Test
    void theSuggestionKeepsWhatIsThereAndAddsOnlyWhatIsMissing() {
        Domain local = World.local();
        List<InetAddress> ours = List.of(InetAddress.ofLiteral("192.0.2.10"), InetAddress.ofLiteral("2001:db8::10"));
        assertThat(SpfChecks.suggestion(local, "v=spf1 -all", ours)).isEqualTo("v=spf1 mx ip4:192.0.2.10 ip6:2001:db8::10 -all");
        assertThat(SpfChecks.suggestion(new Domain("news.example.com", false), "v=spf1 -all", ours))
                .isEqualTo("v=spf1 ip4:192.0.2.10 ip6:2001:db8::10 -all");
        assertThat(SpfChecks.suggestion(local, "v=spf1 ip4:192.0.2.10 a", ours)).isEqualTo("v=spf1 ip6:2001:db8::10 ip4:192.0.2.10 a -all");
        assertThat(SpfChecks.suggestion(local, "v=spf1 redirect=_spf.example.org", ours))
                .isEqualTo("v=spf1 ip4:192.0.2.10 ip6:2001:db8::10 redirect=_spf.example.org");
    }

    @Test
    void addressesThatPassAndAddressesThatFailAreOneCheckEach() {
        var config = World.config("[local]\ndomains = [\"example.org\"]\n[doctor]\npublic_addresses = [\"192.0.2.10\", \"192.0.2.11\", \"2001:db8::10\", \"2001:db8::11\"]\n");
        var dns = World.dns().withTxt(DOMAIN, "v=spf1 ip4:192.0.2.10 ip4:192.0.2.11 ip6:2001:db8::11 ~all");
        var checks = new SpfChecks(dns, new Spf(dns, SpfSettings.of(HOST))).check(World.server(config, dns), World.local());
        assertThat(lines(checks)).containsExactly(
                "pass: The SPF record of example.org is within RFC 7208's limits",
                "pass: SPF of example.org lets 192.0.2.10, 192.0.2.11, 2001:db8::11 send",
                "fail: SPF of example.org does not let 2001:db8::10 send: softfail (~all)");
        assertThat(checks.get(1).details()).isEqualTo("192.0.2.10: ip4:192.0.2.10; 192.0.2.11: ip4:192.0.2.11; 2001:db8::11: ip6:2001:db8::11");
        assertThat(checks.getLast().fix())
                .containsExactly("example.org. TXT \"v=spf1 ip6:2001:db8::10 ip4:192.0.2.10 ip4:192.0.2.11 ip6:2001:db8::11 ~all\"");
    }

    @Test
    void unansweredTxtIsAWarning() {
        assertThat(lines(check(World.dns().withTxt(DOMAIN, new TxtAnswer.TempFail("timeout")))))
                .containsExactly("warn: The TXT records of example.org did not answer");
    }

    @Test
    void theEhloNameNeedsARecordForBounces() { // §2.3, §2.4: a null sender is checked as postmaster@ the EHLO name
        assertThat(lines(helo(World.dns()))).containsExactly("pass: SPF of the EHLO name mx.example.org lets 192.0.2.10 send (a)");
        var none = helo(World.dns().withTxt(HOST, new TxtAnswer.NoRecords()));
        assertThat(lines(none)).containsExactly("warn: mx.example.org has no SPF record");
        assertThat(none.getFirst().fix()).containsExactly("mx.example.org. TXT \"v=spf1 ip4:192.0.2.10 -all\"");
        assertThat(lines(helo(World.dns().withTxt(HOST, "v=spf1 -all")))).containsExactly("fail: SPF of the EHLO name mx.example.org for 192.0.2.10: fail");
    }
}
