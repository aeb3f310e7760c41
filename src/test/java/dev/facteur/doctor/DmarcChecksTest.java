package dev.facteur.doctor;

import static dev.facteur.doctor.World.DOMAIN;
import static dev.facteur.doctor.World.lines;
import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.config.Config;
import dev.facteur.dns.TxtAnswer;
import dev.facteur.server.Facteur;
import dev.facteur.testing.FakeDnsResolver;
import java.util.List;
import org.junit.jupiter.api.Test;

/** RFC 7489: a record receivers find, a policy that asks them to act, and report addresses that take the reports. */
class DmarcChecksTest {

    private static List<Check> check(Config config, FakeDnsResolver dns, String domain) throws Exception {
        return new DmarcChecks(dns, Facteur.addressResolver(config)).check(World.server(config, dns), new Domain(domain, true));
    }

    private static List<Check> check(FakeDnsResolver dns) throws Exception {
        return check(World.config(), dns, DOMAIN);
    }

    @Test
    void aRejectPolicyWithReportsToPostmasterHerePasses() throws Exception {
        assertThat(lines(check(World.dns()))).containsExactly(
                "pass: The DMARC policy of example.org is p=reject",
                "pass: Aggregate reports go to postmaster@example.org, which this server accepts");
    }

    @Test
    void noRecordFailsWithOneToPublish() throws Exception {
        var checks = check(World.dns().withTxt("_dmarc." + DOMAIN, new TxtAnswer.NxDomain()));
        assertThat(lines(checks)).containsExactly("fail: example.org has no DMARC record");
        assertThat(checks.getFirst().fix()).containsExactly("_dmarc.example.org. TXT \"v=DMARC1; p=quarantine; rua=mailto:postmaster@example.org\"");
    }

    @Test
    void pNoneIsAWarningAndTheFixKeepsTheRestOfTheRecord() throws Exception {
        var checks = check(World.dns().withTxt("_dmarc." + DOMAIN, "v=DMARC1; p=none; rua=mailto:postmaster@example.org; fo=1"));
        assertThat(lines(checks)).first().isEqualTo("warn: The DMARC policy of example.org is p=none");
        assertThat(checks.getFirst().fix())
                .containsExactly("_dmarc.example.org. TXT \"v=DMARC1; p=quarantine; rua=mailto:postmaster@example.org; fo=1\"");
    }

    @Test
    void aSubdomainInheritsItsOrganizationsRecord() throws Exception { // RFC 7489 §6.6.3
        var config = World.config("[local]\ndomains = [\"lists.example.org\"]\n");
        var dns = World.dns().withTxt("_dmarc." + DOMAIN, "v=DMARC1; p=reject; sp=quarantine");
        assertThat(lines(check(config, dns, "lists.example.org"))).containsExactly(
                "pass: The DMARC policy of lists.example.org is p=quarantine (inherited from example.org)",
                "warn: The DMARC record of lists.example.org asks for no aggregate reports (no rua=)");
    }

    @Test
    void reportsToAnotherOrganizationNeedItsAuthorization() throws Exception { // RFC 7489 §7.1
        var dns = World.dns().withTxt("_dmarc." + DOMAIN, "v=DMARC1; p=reject; rua=mailto:dmarc@reports.example.net");
        var checks = check(dns);
        assertThat(lines(checks)).containsExactly(
                "pass: The DMARC policy of example.org is p=reject",
                "fail: Aggregate reports to mailto:dmarc@reports.example.net are not sent");
        assertThat(checks.getLast().fix()).containsExactly("example.org._report._dmarc.reports.example.net. TXT \"v=DMARC1\"");
        assertThat(lines(check(dns.withTxt("example.org._report._dmarc.reports.example.net", "v=DMARC1"))))
                .contains("pass: Aggregate reports go to dmarc@reports.example.net");
    }

    @Test
    void reportsToALocalAddressThisServerRefusesFail() throws Exception {
        var config = World.config("[local]\ndomains = [\"" + DOMAIN + "\"]\nusers = [\"alice\"]\n");
        var dns = World.dns().withTxt("_dmarc." + DOMAIN, "v=DMARC1; p=reject; rua=mailto:dmarc@example.org");
        var checks = check(config, dns, DOMAIN);
        assertThat(lines(checks)).containsExactly(
                "pass: The DMARC policy of example.org is p=reject",
                "fail: Aggregate reports go to dmarc@example.org, which this server refuses");
        assertThat(checks.getLast().details()).startsWith("550 5.1.1 ");
    }

    @Test
    void anUnusableRecordFails() throws Exception {
        assertThat(lines(check(World.dns().withTxt("_dmarc." + DOMAIN, "v=DMARC1; p=everything")))).singleElement().asString()
                .startsWith("fail: The DMARC record of example.org (at _dmarc.example.org) is unusable");
    }
}
