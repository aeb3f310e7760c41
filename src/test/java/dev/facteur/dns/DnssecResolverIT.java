package dev.facteur.dns;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.net.HostPort;
import dev.facteur.testing.Knot;
import dev.facteur.testing.Loopback;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * DnssecResolver validating what a real authoritative server signs: Knot DNS serving dane.test
 * (signed by Knot), plain.dane.test (an unsigned delegation, which the NSEC of dane.test proves
 * to have no DS) and bogus.dane.test (signed with its own key, but delegated with a DS that
 * matches no key of it, as after a botched key roll). The trust anchor is dane.test's DS as Knot's
 * keymgr computes it.
 */
class DnssecResolverIT {

    private static final String TLSA_EE = "3 1 1 " + "6e951bc449fd2a4693f8542f1a9a350435684e18a20085184e71fd8232740634";
    private static final String TLSA_TA = "2 0 1 " + "1a64628dd0f9e7bd7ef2ff8bcd3f2007d235ea5d15725e907ad89e71198c65a8";

    private static Knot knot;
    private static DnssecResolver dns;

    @BeforeAll
    static void startKnot() throws IOException {
        knot = Knot.start(
                Knot.Zone.signed("dane.test",
                        "@ MX 10 mx",
                        "mx A 127.0.0.25",
                        "mx AAAA ::1",
                        "_25._tcp.mx TLSA " + TLSA_EE,
                        "_25._tcp.mx TLSA " + TLSA_TA,
                        "alias CNAME mx",
                        "bogus DS 12345 13 2 " + "0123456789abcdef".repeat(4)),
                Knot.Zone.unsigned("plain.dane.test",
                        "@ MX 10 mx",
                        "mx A 127.0.0.26",
                        "_25._tcp.mx TLSA " + TLSA_EE),
                Knot.Zone.signed("bogus.dane.test",
                        "@ MX 10 mx",
                        "mx A 127.0.0.27",
                        "_25._tcp.mx TLSA " + TLSA_EE));
        dns = DnssecResolver.validating(List.of(knot.hostPort()), Duration.ofSeconds(2), 1, TrustAnchors.read(knot.trustAnchors("dane.test")));
    }

    @AfterAll
    static void stopKnot() {
        if (knot != null) knot.close();
    }

    @Test
    void aSignedZonesMxAddressesAndTlsaRecordsAreSecure() {
        assertThat(dns.mx("dane.test")).isEqualTo(new Validated.Secure<>(new MxAnswer.Records(List.of(new Mx(10, "mx.dane.test")))));
        assertThat(dns.addresses("mx.dane.test")).isEqualTo(new Validated.Secure<>(
                new AddressAnswer.Found(List.of(InetAddress.ofLiteral("::1"), InetAddress.ofLiteral("127.0.0.25")))));
        assertThat(dns.tlsa("mx.dane.test", 25)).isIn(new Validated.Secure<>(List.of(Tlsa.parse(TLSA_EE), Tlsa.parse(TLSA_TA))),
                new Validated.Secure<>(List.of(Tlsa.parse(TLSA_TA), Tlsa.parse(TLSA_EE))));
    }

    @Test
    void anAbsenceIsProvenToo() { // NSEC, RFC 4035 §5.4
        assertThat(dns.tlsa("ns.dane.test", 25)).isEqualTo(new Validated.Secure<>(List.of()));
        assertThat(dns.mx("nowhere.dane.test")).isEqualTo(new Validated.Secure<>(new MxAnswer.NxDomain()));
        assertThat(dns.mx("mx.dane.test")).isEqualTo(new Validated.Secure<>(new MxAnswer.NoRecords()));
    }

    @Test
    void aSecureCnameLeadsToSecureAddresses() {
        assertThat(dns.addresses("alias.dane.test")).isInstanceOf(Validated.Secure.class);
    }

    @Test
    void anUnsignedDelegationIsInsecure() { // no DS for plain.dane.test, proven by dane.test's NSEC
        assertThat(dns.mx("plain.dane.test")).isEqualTo(new Validated.Insecure<>(new MxAnswer.Records(List.of(new Mx(10, "mx.plain.dane.test")))));
        assertThat(dns.tlsa("mx.plain.dane.test", 25)).isEqualTo(new Validated.Insecure<>(List.of(Tlsa.parse(TLSA_EE))));
    }

    @Test
    void aDelegationWhoseDsMatchesNoKeyIsBogus() {
        assertThat(dns.mx("bogus.dane.test")).isInstanceOfSatisfying(Validated.Bogus.class,
                b -> assertThat(b.reason()).contains("bogus.dane.test"));
        assertThat(dns.tlsa("mx.bogus.dane.test", 25)).isInstanceOf(Validated.Bogus.class);
    }

    @Test
    void withAnotherKeysAnchorEverySignedAnswerIsBogus() throws IOException {
        // bogus.dane.test's own DS, said of dane.test: a real key, but not dane.test's
        String otherKey = Files.readString(knot.trustAnchors("bogus.dane.test")).replace("bogus.dane.test.", "dane.test.");
        var wrong = DnssecResolver.validating(List.of(knot.hostPort()), Duration.ofSeconds(2), 1, TrustAnchors.parse(otherKey, "another key"));
        assertThat(wrong.mx("dane.test")).isInstanceOfSatisfying(Validated.Bogus.class,
                b -> assertThat(b.reason()).contains("DS"));
        assertThat(wrong.tlsa("mx.dane.test", 25)).isInstanceOf(Validated.Bogus.class);
    }

    @Test
    void aServerThatIsNotThereIsATemporaryFailure() {
        var nobody = DnssecResolver.validating(List.of(new HostPort(Loopback.host(), 53)),
                Duration.ofMillis(200), 0, TrustAnchors.root());
        assertThat(nobody.mx("dane.test")).isInstanceOf(Validated.TempFail.class);
    }
}
