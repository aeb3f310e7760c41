package dev.facteur.dane;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.dns.AddressAnswer;
import dev.facteur.dns.Mx;
import dev.facteur.dns.MxAnswer;
import dev.facteur.dns.Tlsa;
import dev.facteur.dns.Validated;
import java.net.InetAddress;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** RFC 7672 §2.2, TLS discovery: what the DNSSEC status of each lookup asks of the connection to an MX host. */
class TlsDiscoveryTest {

    private static final Validated<MxAnswer> SECURE_MX = new Validated.Secure<>(new MxAnswer.Records(List.of(new Mx(10, "mx.dane.test"))));
    private static final Validated<AddressAnswer> SECURE_HOST =
            new Validated.Secure<>(new AddressAnswer.Found(List.of(InetAddress.ofLiteral("127.0.0.25"))));
    private static final Tlsa DANE_EE = Tlsa.parse("3 1 1 " + "ab".repeat(32));
    private static final Tlsa PKIX_EE = Tlsa.parse("1 1 1 " + "cd".repeat(32));

    /** A TLSA lookup the decision must not make. */
    private static final Supplier<Validated<List<Tlsa>>> NOT_ASKED = () -> {
        throw new AssertionError("TLSA looked up for a host not found securely (RFC 7672 §2.2.3)");
    };

    private static Supplier<Validated<List<Tlsa>>> tlsa(Validated<List<Tlsa>> answer) {
        return () -> answer;
    }

    @Test
    void secureAllTheWayWithAUsableRecordRequiresAuthenticatedTls() {
        assertThat(TlsDiscovery.decide(SECURE_MX, SECURE_HOST, tlsa(new Validated.Secure<>(List.of(PKIX_EE, DANE_EE)))))
                .isEqualTo(new DaneOutcome.Required(List.of(DANE_EE)));
    }

    @Test
    void secureRecordsNoneUsableRequireTlsWithoutAuthentication() { // §2.2: never plain text
        assertThat(TlsDiscovery.decide(SECURE_MX, SECURE_HOST, tlsa(new Validated.Secure<>(List.of(PKIX_EE)))))
                .isInstanceOfSatisfying(DaneOutcome.MandatoryTls.class, m -> assertThat(m.why()).contains("PKIX usages"));
    }

    @Test
    void noTlsaRecordsMeanNoDane() { // §2.2: a secure denial
        assertThat(TlsDiscovery.decide(SECURE_MX, SECURE_HOST, tlsa(new Validated.Secure<>(List.of()))))
                .isEqualTo(new DaneOutcome.NotApplicable("no TLSA records"));
    }

    @Test
    void unsignedTlsaRecordsAreNotUsed() {
        assertThat(TlsDiscovery.decide(SECURE_MX, SECURE_HOST, tlsa(new Validated.Insecure<>(List.of(DANE_EE)))))
                .isInstanceOf(DaneOutcome.NotApplicable.class);
    }

    @Test
    void aBogusOrFailedTlsaLookupKeepsMailFromTheHost() { // §2.2: the host must not be used now
        assertThat(TlsDiscovery.decide(SECURE_MX, SECURE_HOST, tlsa(new Validated.Bogus<>("signature expired"))))
                .isEqualTo(new DaneOutcome.TempFail("TLSA lookup is bogus: signature expired"));
        assertThat(TlsDiscovery.decide(SECURE_MX, SECURE_HOST, tlsa(new Validated.TempFail<>("timeout"))))
                .isEqualTo(new DaneOutcome.TempFail("TLSA lookup failed: timeout"));
    }

    @Test
    void anInsecureHostGetsNoTlsaLookup() { // §2.2.3
        var insecureHost = new Validated.Insecure<AddressAnswer>(new AddressAnswer.Found(List.of(InetAddress.ofLiteral("127.0.0.25"))));
        assertThat(TlsDiscovery.decide(SECURE_MX, insecureHost, NOT_ASKED))
                .isEqualTo(new DaneOutcome.NotApplicable("the host's addresses are not signed"));
    }

    @Test
    void aBogusOrFailedAddressLookupKeepsMailFromTheHost() { // §2.1.1
        assertThat(TlsDiscovery.decide(SECURE_MX, new Validated.Bogus<>("no DNSKEY"), NOT_ASKED)).isInstanceOf(DaneOutcome.TempFail.class);
        assertThat(TlsDiscovery.decide(SECURE_MX, new Validated.TempFail<>("SERVFAIL"), NOT_ASKED)).isInstanceOf(DaneOutcome.TempFail.class);
    }

    @Test
    void aHostWithoutAddressesNeedsNoTls() {
        assertThat(TlsDiscovery.decide(SECURE_MX, new Validated.Secure<>(new AddressAnswer.NxDomain()), NOT_ASKED))
                .isInstanceOf(DaneOutcome.NotApplicable.class);
    }

    @Test
    void hostsOfUnsignedMxRecordsAreNotDaneHosts() { // §2.2.1 allows it; Facteur does not, see TlsDiscovery
        var insecureMx = new Validated.Insecure<MxAnswer>(new MxAnswer.Records(List.of(new Mx(10, "mx.dane.test"))));
        assertThat(TlsDiscovery.decide(insecureMx, SECURE_HOST, NOT_ASKED))
                .isEqualTo(new DaneOutcome.NotApplicable("the MX records are not signed"));
    }

    @Test
    void aBogusOrFailedMxLookupDefers() { // §2.1.1
        assertThat(TlsDiscovery.decide(new Validated.Bogus<>("bad RRSIG"), SECURE_HOST, NOT_ASKED))
                .isEqualTo(new DaneOutcome.TempFail("MX lookup is bogus: bad RRSIG"));
        assertThat(TlsDiscovery.decide(new Validated.TempFail<>("timeout"), SECURE_HOST, NOT_ASKED)).isInstanceOf(DaneOutcome.TempFail.class);
    }

    @Test
    void aSecureDomainWithoutMxRecordsIsItsOwnHost() { // RFC 5321 §5.1 implicit MX; RFC 7672 §2.2.2
        assertThat(TlsDiscovery.decide(new Validated.Secure<>(new MxAnswer.NoRecords()), SECURE_HOST, tlsa(new Validated.Secure<>(List.of(DANE_EE)))))
                .isEqualTo(new DaneOutcome.Required(List.of(DANE_EE)));
    }

    @Test
    void aDomainThatTakesNoMailHasNoHostToAuthenticate() {
        assertThat(TlsDiscovery.decide(new Validated.Secure<>(new MxAnswer.NullMx()), SECURE_HOST, NOT_ASKED))
                .isInstanceOf(DaneOutcome.NotApplicable.class);
    }
}
