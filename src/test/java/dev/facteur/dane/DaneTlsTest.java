package dev.facteur.dane;

import static dev.facteur.dane.DaneVerifierTest.record;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.facteur.delivery.ClientSettings;
import dev.facteur.delivery.SmtpClient;
import dev.facteur.delivery.TlsPolicy;
import dev.facteur.dns.Tlsa;
import dev.facteur.smtp.Reply;
import dev.facteur.testing.Patience;
import dev.facteur.testing.TestCa;
import java.io.IOException;
import java.time.Clock;
import java.util.List;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;

/**
 * The handshake of SmtpClient's STARTTLS with a {@link DaneTls} context, against a server on
 * loopback: it completes when the server's chain matches the TLSA records, and fails when not,
 * so that no mail goes to a server DANE cannot authenticate (RFC 7672 §2.2).
 */
class DaneTlsTest {

    private static final String MX = "mx.dane.test";
    private static final String DOMAIN = "dane.test";
    private static final ClientSettings CLIENT = ClientSettings.rfcDefaults("client.test", null);

    @Test
    void aServerWhoseKeyMatchesTheDaneEeRecordCompletesTheHandshake() throws Exception {
        TestCa.Issued server = TestCa.selfSigned(MX);
        try (var peer = StartTlsPeer.start(server.serverContext());
                SmtpClient client = SmtpClient.connect(peer.address(), MX, CLIENT)) {
            Reply r = client.hello(required(DaneTls.context(List.of(Tlsa.forCertificate(server.certificate())), MX, DOMAIN)));
            assertThat(r.code()).isEqualTo(250);
            assertThat(client.tls()).startsWith("TLSv1.3");
        }
    }

    @Test
    void aServerWithAnotherKeyFailsTheHandshake() throws Exception {
        TestCa.Issued presented = TestCa.selfSigned(MX);
        TestCa.Issued published = TestCa.selfSigned(MX);
        try (var peer = StartTlsPeer.start(presented.serverContext());
                SmtpClient client = SmtpClient.connect(peer.address(), MX, CLIENT)) {
            assertThatThrownBy(() -> client.hello(required(DaneTls.context(List.of(Tlsa.forCertificate(published.certificate())), MX, DOMAIN))))
                    .isInstanceOf(IOException.class).hasMessageContaining("TLS handshake failed").hasMessageContaining("DANE: no TLSA record matches");
            Patience.await("the server sees the handshake fail").until(() -> !peer.handshakes().isEmpty());
            assertThat(peer.handshakes()).singleElement().isNotEqualTo("ok"); // "Broken pipe", or the client's alert
        }
    }

    @Test
    void aChainUnderTheDaneTaAnchorCompletesTheHandshake() throws Exception {
        TestCa root = TestCa.root("Receiver's Root");
        TestCa.Issued server = root.intermediate("Receiver's Issuing CA").server(MX);
        Tlsa anchor = record(Tlsa.DANE_TA, Tlsa.CERT, Tlsa.SHA2_256, root.certificate());
        try (var peer = StartTlsPeer.start(server.serverContext());
                SmtpClient client = SmtpClient.connect(peer.address(), MX, CLIENT)) {
            var trust = new DaneTrustManager(new DaneVerifier(Clock.systemUTC()), List.of(anchor), DaneTls.referenceIdentifiers(MX, DOMAIN));
            assertThat(client.hello(required(DaneTls.context(trust))).code()).isEqualTo(250);
            assertThat(trust.verification()).hasValueSatisfying(v -> assertThat(v).isInstanceOfSatisfying(Verification.Verified.class,
                    verified -> assertThat(verified.how()).contains("DANE-TA(2) Cert(0) SHA2-256(1) matched \"CN=Receiver's Root\" at depth 2")));
        }
    }

    @Test
    void underDaneTaAServerCertificateForAnotherNameFailsTheHandshake() throws Exception {
        TestCa root = TestCa.root("Receiver's Root");
        TestCa.Issued server = root.server("mx.elsewhere.test");
        try (var peer = StartTlsPeer.start(server.serverContext());
                SmtpClient client = SmtpClient.connect(peer.address(), MX, CLIENT)) {
            var context = DaneTls.context(List.of(record(Tlsa.DANE_TA, Tlsa.SPKI, Tlsa.SHA2_256, root.certificate())), MX, DOMAIN);
            assertThatThrownBy(() -> client.hello(required(context))).isInstanceOf(IOException.class)
                    .hasMessageContaining("none of [mx.dane.test, dane.test]");
        }
    }

    @Test
    void daneDecidesTheNameCheckEvenWhenTheSocketAsksForOne() throws Exception {
        // TlsPolicy.Required(verify = true) sets the socket's HTTPS endpoint identification: with
        // DANE-EE(3) the certificate's names do not matter (RFC 7672 §3.2.1), and still do not.
        TestCa.Issued server = TestCa.selfSigned("not-the-mx.test");
        try (var peer = StartTlsPeer.start(server.serverContext());
                SmtpClient client = SmtpClient.connect(peer.address(), MX, CLIENT)) {
            var context = DaneTls.context(List.of(Tlsa.forCertificate(server.certificate())), MX, DOMAIN);
            assertThat(client.hello(new TlsPolicy.Required(context, true, "DANE")).code()).isEqualTo(250);
        }
    }

    private static TlsPolicy required(SSLContext context) {
        return new TlsPolicy.Required(context, false, "DANE");
    }
}
