package dev.facteur.doctor;

import static dev.facteur.doctor.World.DOMAIN;
import static dev.facteur.doctor.World.HOST;
import static dev.facteur.doctor.World.lines;
import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.dns.Mx;
import dev.facteur.dns.MxAnswer;
import dev.facteur.testing.FakeDnsResolver;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A local domain's mail comes here: RFC 5321 §5.1 sends it to the MX hosts, RFC 7505's null MX refuses it. */
class MxCheckTest {

    private static List<Check> check(FakeDnsResolver dns) {
        return new MxCheck(dns).check(World.server(World.config(), dns), World.local());
    }

    @Test
    void anMxThatResolvesToUsPasses() {
        assertThat(lines(check(World.dns()))).containsExactly("pass: The MX of example.org points here: mx.example.org");
    }

    @Test
    void anMxElsewhereFailsWithTheRecordToPublish() {
        var checks = check(World.dns().withMx(DOMAIN, new Mx(10, "mx.old-provider.example")).withAddresses("mx.old-provider.example", "198.51.100.7"));
        assertThat(lines(checks)).containsExactly("fail: The MX of example.org points elsewhere: mx.old-provider.example (198.51.100.7)");
        assertThat(checks.getFirst().fix()).containsExactly("example.org. MX 10 mx.example.org.");
    }

    @Test
    void aBackupMxElsewhereIsOnlyAWarning() {
        var checks = check(World.dns().withMx(DOMAIN, new Mx(10, HOST), new Mx(20, "backup.example.net"))
                .withAddresses("backup.example.net", "198.51.100.8"));
        assertThat(lines(checks)).containsExactly(
                "warn: The MX of example.org points here (mx.example.org) and elsewhere: backup.example.net (198.51.100.8)");
    }

    @Test
    void aNullMxOnALocalDomainFails() { // RFC 7505: the domain says it takes no mail
        var checks = check(World.dns().withMx(DOMAIN, new MxAnswer.NullMx()));
        assertThat(lines(checks)).containsExactly("fail: example.org publishes a null MX: it says it takes no mail (RFC 7505)");
        assertThat(checks.getFirst().fix()).containsExactly("example.org. MX 10 mx.example.org.");
    }

    @Test
    void noMxIsAWarningWhenTheDomainItselfIsUsAndAFailureOtherwise() { // RFC 5321 §5.1's implicit MX
        assertThat(lines(check(World.dns().withMx(DOMAIN, new MxAnswer.NoRecords()).withAddresses(DOMAIN, World.ADDRESS))))
                .containsExactly("warn: example.org has no MX record; its own address is this server's (the implicit MX)");
        assertThat(lines(check(World.dns().withMx(DOMAIN, new MxAnswer.NoRecords()).withAddresses(DOMAIN, "198.51.100.9"))))
                .containsExactly("fail: example.org has no MX record");
        assertThat(lines(check(World.dns().withMx(DOMAIN, new MxAnswer.NxDomain())))).containsExactly("fail: example.org does not exist in DNS");
    }

    @Test
    void domainsThatOnlySendThroughUsHaveNoMxToCheck() {
        var dns = World.dns();
        assertThat(new MxCheck(dns).check(World.server(World.config(), dns), new Domain("news.example.com", false))).isEmpty();
        assertThat(dns.asked()).noneMatch(q -> q.equals("MX news.example.com"));
    }
}
