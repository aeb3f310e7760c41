package dev.facteur.dane;

import static dev.facteur.dane.DaneVerifierTest.record;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.facteur.delivery.ClientSettings;
import dev.facteur.delivery.SmtpClient;
import dev.facteur.delivery.TlsPolicy;
import dev.facteur.dns.AddressAnswer;
import dev.facteur.dns.DnssecResolver;
import dev.facteur.dns.Mx;
import dev.facteur.dns.MxAnswer;
import dev.facteur.dns.Tlsa;
import dev.facteur.dns.TrustAnchors;
import dev.facteur.dns.Validated;
import dev.facteur.testing.Knot;
import dev.facteur.testing.TestCa;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * DANE from DNS to handshake: Knot DNS signs dane.test, whose MX hosts are receiving MTAs on
 * loopback with certificates from their own test CA, and TLSA records for them; Facteur's
 * validating resolver reads the records, TLS discovery decides, and SmtpClient's STARTTLS with a
 * DaneTls context authenticates the server, or refuses it.
 * <ul>
 * <li>mx.dane.test: a "2 0 1" record for the receiver's CA, whose chain it presents: accepted.</li>
 * <li>mismatch.dane.test: a "3 1 1" record for a key it does not have: the handshake fails.</li>
 * <li>bogus.dane.test: a zone delegated with a DS that matches none of its keys: DANE cannot
 * say, so the host is not used at all.</li>
 * <li>plain.dane.test: unsigned: no DANE, TLS as before.</li>
 * </ul>
 */
class DaneIT {

    private static final ClientSettings CLIENT = ClientSettings.rfcDefaults("client.test", null);

    private static TestCa receiverCa;
    private static StartTlsPeer good;
    private static StartTlsPeer impostor;
    private static StartTlsPeer unreachable;
    private static Knot knot;
    private static DnssecResolver dns;

    @BeforeAll
    static void start() throws IOException {
        receiverCa = TestCa.root("Receiver Test CA");
        good = StartTlsPeer.start(receiverCa.intermediate("Receiver Issuing CA").server("mx.dane.test").serverContext());
        impostor = StartTlsPeer.start(TestCa.selfSigned("mismatch.dane.test").serverContext());
        unreachable = StartTlsPeer.start(TestCa.selfSigned("mx.bogus.dane.test").serverContext());
        Tlsa published = Tlsa.forCertificate(TestCa.selfSigned("mismatch.dane.test").certificate()); // another key
        knot = Knot.start(
                Knot.Zone.signed("dane.test",
                        "@ MX 10 mx",
                        "@ MX 20 mismatch",
                        "mx A " + good.host(),
                        "_25._tcp.mx TLSA " + record(Tlsa.DANE_TA, Tlsa.CERT, Tlsa.SHA2_256, receiverCa.certificate()),
                        "mismatch A " + impostor.host(),
                        "_25._tcp.mismatch TLSA " + published,
                        "bogus DS 12345 13 2 " + "0123456789abcdef".repeat(4)),
                Knot.Zone.signed("bogus.dane.test",
                        "@ MX 10 mx",
                        "mx A " + unreachable.host(),
                        "_25._tcp.mx TLSA " + Tlsa.forCertificate(TestCa.selfSigned("x").certificate())),
                Knot.Zone.unsigned("plain.dane.test",
                        "@ MX 10 mx",
                        "mx A " + good.host()));
        dns = DnssecResolver.validating(List.of(knot.hostPort()), Duration.ofSeconds(2), 1, TrustAnchors.read(knot.trustAnchors("dane.test")));
    }

    @AfterAll
    static void stop() throws IOException {
        if (knot != null) knot.close();
        for (var peer : new StartTlsPeer[] {good, impostor, unreachable}) if (peer != null) peer.close();
    }

    @Test
    void aHostWhoseChainMatchesItsTlsaRecordsIsAuthenticated() throws Exception {
        Validated<MxAnswer> mx = dns.mx("dane.test");
        assertThat(mx).isEqualTo(new Validated.Secure<>(new MxAnswer.Records(List.of(new Mx(10, "mx.dane.test"), new Mx(20, "mismatch.dane.test")))));
        DaneOutcome outcome = outcome(mx, "mx.dane.test");
        assertThat(outcome).isInstanceOf(DaneOutcome.Required.class);

        try (SmtpClient client = SmtpClient.connect(good.address(), "mx.dane.test", CLIENT)) {
            var context = DaneTls.context(((DaneOutcome.Required) outcome).records(), "mx.dane.test", "dane.test");
            assertThat(client.hello(new TlsPolicy.Required(context, false, "DANE")).code()).isEqualTo(250);
            assertThat(client.tls()).isNotEmpty();
        }
    }

    @Test
    void aHostWhoseKeyIsNotTheOnePublishedIsRefusedAtTheHandshake() throws Exception {
        DaneOutcome outcome = outcome(dns.mx("dane.test"), "mismatch.dane.test");
        assertThat(outcome).isInstanceOf(DaneOutcome.Required.class);

        try (SmtpClient client = SmtpClient.connect(impostor.address(), "mismatch.dane.test", CLIENT)) {
            var context = DaneTls.context(((DaneOutcome.Required) outcome).records(), "mismatch.dane.test", "dane.test");
            assertThatThrownBy(() -> client.hello(new TlsPolicy.Required(context, false, "DANE")))
                    .isInstanceOf(IOException.class).hasMessageContaining("DANE: no TLSA record matches");
        }
    }

    @Test
    void aBogusZonesHostIsNotUsedAtAll() { // RFC 7672 §2.1.1
        Validated<MxAnswer> mx = dns.mx("bogus.dane.test");
        assertThat(mx).isInstanceOf(Validated.Bogus.class);
        assertThat(TlsDiscovery.decide(mx, dns.addresses("mx.bogus.dane.test"), () -> dns.tlsa("mx.bogus.dane.test", 25)))
                .isInstanceOfSatisfying(DaneOutcome.TempFail.class, t -> assertThat(t.reason()).startsWith("MX lookup is bogus"));
        // and asked host by host, as if the MX came from elsewhere: its addresses are bogus too
        var trusted = new Validated.Secure<MxAnswer>(new MxAnswer.Records(List.of(new Mx(10, "mx.bogus.dane.test"))));
        assertThat(outcome(trusted, "mx.bogus.dane.test")).isInstanceOfSatisfying(DaneOutcome.TempFail.class,
                t -> assertThat(t.reason()).startsWith("address lookup is bogus"));
    }

    @Test
    void anUnsignedDomainHasNoDane() {
        assertThat(outcome(dns.mx("plain.dane.test"), "mx.plain.dane.test")).isEqualTo(new DaneOutcome.NotApplicable("the MX records are not signed"));
    }

    private static DaneOutcome outcome(Validated<MxAnswer> mx, String host) {
        Validated<AddressAnswer> addresses = dns.addresses(host);
        return TlsDiscovery.decide(mx, addresses, () -> dns.tlsa(host, 25));
    }
}
