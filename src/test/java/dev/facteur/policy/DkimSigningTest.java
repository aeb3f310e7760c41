package dev.facteur.policy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.auth.dkim.DkimSigner;
import dev.facteur.auth.dkim.SignatureWriter;
import dev.facteur.auth.dkim.Signers;
import dev.facteur.auth.dkim.SigningKey;
import dev.facteur.message.Mailbox;
import dev.facteur.message.QueueId;
import dev.facteur.message.ReversePath;
import dev.facteur.smtp.Gate;
import dev.facteur.smtp.Reply;
import dev.facteur.testing.ManualClock;
import dev.facteur.testing.MemoryContent;
import java.io.IOException;
import java.net.InetAddress;
import java.security.GeneralSecurityException;
import java.security.KeyPairGenerator;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Who gets signed: the mail of clients that logged in and of relay networks, once the gates
 * before have passed it; a rule for a login signs that login's mail with its own domain.
 */
class DkimSigningTest {

    private static final InetAddress RELAY = InetAddress.getLoopbackAddress();
    private static final String MESSAGE = "From: <app@example.org>\r\nSubject: hi\r\n\r\nbody\r\n";

    private final Signers signers;

    DkimSigningTest() throws GeneralSecurityException {
        signers = new Signers(List.of(key("example.org"), key("esp.example")), List.of(new Signers.Rule("carol", null, "esp.example")));
    }

    private static SigningKey key(String domain) throws GeneralSecurityException {
        return new SigningKey(domain, "s1", new DkimSigner.Key("ed25519-sha256",
                KeyPairGenerator.getInstance("Ed25519").generateKeyPair().getPrivate()));
    }

    private String accept(Gate inner, InetAddress client, String login) throws IOException {
        var gate = new DkimSigning(inner, signers, new SignatureWriter(SignatureWriter.Settings.DEFAULT), a -> a.equals(RELAY),
                ManualClock.stopped());
        Gate.Session s = gate.open(client);
        if (login != null) s.authenticated(login, "PLAIN");
        s.mail(new QueueId.Generator().next(), ReversePath.of(new Mailbox("app", "example.org")), -1);
        assertThat(s.rcpt(new Mailbox("bob", "example.net"))).isNull();
        var content = new MemoryContent(MESSAGE);
        if (s.readsContent()) s.endOfData(content);
        return content.text();
    }

    @Test
    void aRelayNetworksMailIsSignedByItsFromDomain() throws IOException {
        String out = accept(Gate.OPEN, RELAY, null);
        assertThat(out).startsWith("DKIM-Signature:").contains("d=example.org").endsWith(MESSAGE);
    }

    @Test
    void aLoggedInClientsMailIsSignedAndARuleForItsLoginChoosesTheDomain() throws IOException {
        InetAddress outside = InetAddress.getByName("192.0.2.7");
        assertThat(accept(Gate.OPEN, outside, "alice")).startsWith("DKIM-Signature:").contains("d=example.org");
        assertThat(accept(Gate.OPEN, outside, "carol")).startsWith("DKIM-Signature:").contains("d=esp.example");
    }

    @Test
    void mailFromOutsideIsNotSigned() throws IOException {
        assertThat(accept(Gate.OPEN, InetAddress.getByName("192.0.2.7"), null)).isEqualTo(MESSAGE);
    }

    @Test
    void mailTheGatesBeforeRefuseIsNotSigned() throws IOException {
        Gate refusing = client -> new Gate.Session() {
            @Override
            public boolean readsContent() {
                return true;
            }

            @Override
            public Gate.EndOfData endOfData(Gate.Content content) {
                return new Gate.EndOfData.Refuse(new Reply(550, "5.7.1", "no"));
            }
        };
        assertThat(accept(refusing, RELAY, null)).isEqualTo(MESSAGE);
    }
}
