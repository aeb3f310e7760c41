package dev.facteur.doctor;

import static dev.facteur.doctor.World.ADDRESS;
import static dev.facteur.doctor.World.HOST;
import static dev.facteur.doctor.World.lines;
import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.dns.PtrAnswer;
import dev.facteur.testing.FakeDnsResolver;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Receivers look up the PTR of the address a message comes from, compare it with EHLO, and resolve it back. */
class ReverseDnsChecksTest {

    private static List<Check> check(FakeDnsResolver dns) {
        return new ReverseDnsChecks(dns).check(World.server(World.config(), dns));
    }

    @Test
    void aNameThatIsTheEhloNameAndLeadsBackPasses() {
        assertThat(lines(check(World.dns()))).containsExactly(
                "pass: 192.0.2.10 has reverse DNS: mx.example.org",
                "pass: The PTR name of 192.0.2.10 is the EHLO name mx.example.org",
                "pass: mx.example.org resolves back to 192.0.2.10 (forward-confirmed reverse DNS)",
                "pass: The hostname mx.example.org resolves to 192.0.2.10");
    }

    @Test
    void noPtrFailsWithTheRecordToAskFor() {
        List<Check> checks = check(World.dns().withPtr(ADDRESS, new PtrAnswer.NxDomain()));
        assertThat(checks.getFirst()).isInstanceOf(Check.Fail.class);
        assertThat(checks.getFirst().title()).isEqualTo("192.0.2.10 has no reverse DNS (PTR)");
        assertThat(checks.getFirst().fix()).containsExactly("10.2.0.192.in-addr.arpa. PTR mx.example.org.");
        assertThat(lines(checks)).as("the name checks need a name").hasSize(2).last().asString().startsWith("pass: The hostname");
    }

    @Test
    void aPtrNameOtherThanTheEhloNameFails() {
        List<Check> checks = check(World.dns().withPtr(ADDRESS, "host-192-0-2-10.provider.example")
                .withAddresses("host-192-0-2-10.provider.example", ADDRESS));
        assertThat(lines(checks)).containsExactly(
                "pass: 192.0.2.10 has reverse DNS: host-192-0-2-10.provider.example",
                "fail: The PTR name of 192.0.2.10 is host-192-0-2-10.provider.example, not the EHLO name mx.example.org",
                "pass: host-192-0-2-10.provider.example resolves back to 192.0.2.10 (forward-confirmed reverse DNS)",
                "pass: The hostname mx.example.org resolves to 192.0.2.10");
        assertThat(checks.get(1).fix()).first().isEqualTo("10.2.0.192.in-addr.arpa. PTR mx.example.org.");
    }

    @Test
    void aNameThatDoesNotLeadBackFails() { // forward-confirmed reverse DNS
        var dns = World.dns().withAddresses(HOST, "192.0.2.99");
        List<Check> checks = check(dns);
        assertThat(lines(checks)).contains("fail: mx.example.org does not resolve back to 192.0.2.10",
                "fail: The hostname mx.example.org does not resolve to an address mail leaves from");
        assertThat(checks.get(2).fix()).containsExactly("mx.example.org. A 192.0.2.10");
    }

    @Test
    void aSilentReverseZoneIsAWarningNotAVerdict() {
        assertThat(lines(check(World.dns().withPtr(ADDRESS, new PtrAnswer.TempFail("SERVFAIL"))))).first()
                .isEqualTo("warn: Reverse DNS of 192.0.2.10 did not answer");
    }

    @Test
    void eachSourceIsCheckedUnderItsOwnEhloName() {
        var config = World.config("""
                [[delivery.sources]]
                address = "192.0.2.20"
                helo = "out1.example.org"
                [[delivery.sources]]
                address = "2001:db8::20"
                helo = "out2.example.org"
                """);
        var dns = World.dns().withPtr("192.0.2.20", "out1.example.org").withAddresses("out1.example.org", "192.0.2.20")
                .withPtr("2001:db8::20", "out1.example.org");
        List<Check> checks = new ReverseDnsChecks(dns).check(World.server(config, dns));
        assertThat(lines(checks)).containsExactly(
                "pass: 192.0.2.20 has reverse DNS: out1.example.org",
                "pass: The PTR name of 192.0.2.20 is the EHLO name out1.example.org",
                "pass: out1.example.org resolves back to 192.0.2.20 (forward-confirmed reverse DNS)",
                "pass: 2001:db8::20 has reverse DNS: out1.example.org",
                "fail: The PTR name of 2001:db8::20 is out1.example.org, not the EHLO name out2.example.org",
                "fail: out1.example.org does not resolve back to 2001:db8::20",
                "pass: The hostname mx.example.org resolves to 192.0.2.10");
        assertThat(checks.get(4).fix()).first().asString()
                .isEqualTo("0.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa. PTR out2.example.org.");
    }

    @Test
    void withoutAnyAddressTheDoctorSaysWhereToGiveOne() {
        var dns = new FakeDnsResolver();
        List<Check> checks = new ReverseDnsChecks(dns).check(World.server(World.config(""), dns));
        assertThat(lines(checks)).containsExactly("fail: Cannot tell which addresses mail leaves from");
        assertThat(checks.getFirst().fix()).contains("or: [doctor] public_addresses = [\"192.0.2.10\"]");
    }
}
