package dev.facteur.it.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.auth.dkim.DkimKeys;
import dev.facteur.testing.ExternalProcess;
import dev.facteur.testing.SmtpSink;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mail from a trusted client leaves signed, and the signature verifies with another
 * implementation: dkimpy's {@code dkim.verify} (Debian python3-dkim), given our public keys as
 * its DNS. Both keys of the domain sign (RSA-2048 and Ed25519); an 8-bit message is made 7-bit
 * before it is signed, so that a server without 8BITMIME gets bytes the signature still covers.
 */
class DkimSigningIT {

    private static final String DOMAIN = MailWorld.SENDER_DOMAIN;
    private static final String REMOTE = "dkim-remote.test";

    @TempDir
    Path dir;

    private MailWorld world;
    private Map<String, String> keyRecords;

    @BeforeEach
    void keys() throws Exception {
        KeyPair rsa = DkimKeys.generate("rsa", 2048), ed = DkimKeys.generate("ed25519", 0);
        DkimKeys.writePrivateKey(rsa, dir.resolve("rsa.key"));
        DkimKeys.writePrivateKey(ed, dir.resolve("ed.key"));
        keyRecords = Map.of("rsa2026._domainkey." + DOMAIN, DkimKeys.record(rsa), "ed2026._domainkey." + DOMAIN, DkimKeys.record(ed),
                "reports._domainkey.facteur.test", DkimKeys.record(ed));
    }

    @AfterEach
    void stop() throws Exception {
        if (world != null) world.close();
    }

    private SmtpSink start(String... sinkOptions) throws Exception {
        String host = MailWorld.newHost();
        world = MailWorld.start(dir, MailWorld.mx(REMOTE, host), Clock.systemDefaultZone(), c -> c.tables("""
                [[dkim.keys]]
                domain = "%s"
                selector = "rsa2026"
                private_key = "%s"
                [[dkim.keys]]
                domain = "%s"
                selector = "ed2026"
                private_key = "%s"
                [[dkim.keys]]
                domain = "facteur.test"
                selector = "reports"
                private_key = "%s"
                """.formatted(DOMAIN, dir.resolve("rsa.key"), DOMAIN, dir.resolve("ed.key"), dir.resolve("ed.key"))));
        return world.sink(host, sinkOptions);
    }

    @Test
    void a_relayed_message_is_signed_with_both_keys_and_verifies_with_dkimpy() throws Exception {
        SmtpSink sink = start();
        world.submit(MailWorld.SENDER, List.of("bob@" + REMOTE), "signed twice");
        String received = MailWorld.awaitReceived(sink, 1).getFirst();
        assertThat(received).contains("a=rsa-sha256", "a=ed25519-sha256", "h=from:from:");
        assertThat(dkimpy(received)).containsExactly("rsa2026 pass", "ed2026 pass");
    }

    @Test
    void an_8bit_message_is_made_7bit_before_signing_so_a_server_without_8bitmime_gets_a_valid_signature() throws Exception {
        SmtpSink sink = start("-8"); // smtp-sink does not announce 8BITMIME
        byte[] message = ("From: <" + MailWorld.SENDER + ">\r\nTo: <bob@" + REMOTE + ">\r\nSubject: coffee\r\n"
                + "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
                + "Un caf\u00e9 cr\u00e8me, s'il vous pla\u00eet.\r\n").getBytes(StandardCharsets.UTF_8);
        world.submit("<" + MailWorld.SENDER + "> BODY=8BITMIME", List.of("<bob@" + REMOTE + ">"), message);
        String received = MailWorld.awaitReceived(sink, 1).getFirst();
        assertThat(received).contains("Content-Transfer-Encoding: quoted-printable").doesNotContain("caf\u00e9");
        assertThat(dkimpy(received)).containsExactly("rsa2026 pass", "ed2026 pass");
    }

    @Test
    void a_dsn_is_signed_by_the_domain_of_our_host_name() throws Exception {
        start();
        world.submit(MailWorld.SENDER, List.of("nobody@no-such-domain.test"), "bounced");
        String dsn = MailWorld.awaitReceived(world.bounces(), 1).getFirst();
        assertThat(dsn).contains("From: Mail Delivery System <MAILER-DAEMON@mx.facteur.test>", "d=facteur.test");
        assertThat(dkimpy(dsn)).containsExactly("reports pass");
    }

    /** Each signature's selector and dkimpy's verdict on it. */
    private List<String> dkimpy(String message) throws Exception {
        Path file = dir.resolve("received.eml");
        Files.write(file, message.replace("\r\n", "\n").replace("\n", "\r\n").getBytes(StandardCharsets.ISO_8859_1));
        StringBuilder records = new StringBuilder("{");
        keyRecords.forEach((name, value) -> records.append('"').append(name).append(".\": b\"").append(value).append("\","));
        String script = """
                import sys, dkim
                records = %s}
                msg = open(sys.argv[1], 'rb').read()
                def dns(name, timeout=5):
                    return records.get(name.decode() if isinstance(name, bytes) else name)
                import re
                sigs = [v for (k, v) in dkim.rfc822_parse(msg)[0] if k.lower() == b'dkim-signature']
                for i, sig in enumerate(sigs):
                    s = re.search(rb's=([^;\\s]+)', sig).group(1).decode()
                    ok = dkim.DKIM(msg).verify(idx=i, dnsfunc=dns)
                    print(s, 'pass' if ok else 'fail')
                """.formatted(records);
        Path py = dir.resolve("verify.py");
        Files.writeString(py, script);
        var run = ExternalProcess.run(List.of(ExternalProcess.PYTHON, py.toString(), file.toString()));
        assertThat(run.exitCode()).as(run.toString()).isZero();
        return run.stdout().lines().toList();
    }
}
