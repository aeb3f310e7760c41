package dev.facteur.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.server.Facteur;
import dev.facteur.testing.Dovecot;
import dev.facteur.testing.ExternalProcess;
import dev.facteur.testing.TestConfig;
import dev.facteur.tls.SelfSigned;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Users log in to send with their IMAP password: Facteur asks a real Dovecot over its auth socket. */
class SubmissionDovecotIT {

    @TempDir
    Path dir;
    private Dovecot dovecot;
    private Facteur facteur;

    @AfterEach
    void stop() throws Exception {
        if (facteur != null) facteur.close();
        if (dovecot != null) dovecot.close();
    }

    @Test
    void swaksLogsInWithTheImapPasswordAndAWrongOneIsRefused() throws Exception {
        dovecot = Dovecot.start(dir.resolve("dc"), List.of(new Dovecot.User("alice@example.test", "imap-password")));
        var pem = SelfSigned.generate(dir.resolve("tls"), "mx.facteur.test");
        facteur = TestConfig.in(dir.resolve("data")).tls(pem).tables("""
                [relay]
                networks = ["192.0.2.0/24"]
                [local]
                domains = ["example.test"]
                users = ["alice"]
                [submission]
                listen = ["127.0.0.1:0"]
                dovecot_auth = "%s"
                """.formatted(dovecot.authSocket())).start();
        InetSocketAddress at = facteur.submissionAddresses().getFirst();
        for (String password : new String[] {"imap-password", "wrong"}) {
            var r = ExternalProcess.run(List.of("swaks", "--server", at.getAddress().getHostAddress(), "--port", String.valueOf(at.getPort()),
                    "--tls", "--auth", "PLAIN", "--auth-user", "alice@example.test", "--auth-password", password,
                    "--from", "alice@example.test", "--to", "friend@elsewhere.example"));
            if (password.equals("wrong")) assertThat(r.stdout()).contains("535 5.7.8");
            else assertThat(r.stdout()).as(r.toString()).contains("235 2.7.0").contains("250 2.0.0 Ok: queued as");
        }
        assertThat(facteur.spool().messages()).hasSize(1);
    }
}
