package dev.facteur.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.sasl.PasswordHash;
import dev.facteur.sasl.UserFile;
import dev.facteur.server.Facteur;
import dev.facteur.testing.ExternalProcess;
import dev.facteur.testing.TestConfig;
import dev.facteur.tls.SelfSigned;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * With auth_on_port_25, port 25 offers AUTH after STARTTLS, and a client that logs in relays, as
 * itself only; the rest is as before.
 */
class Port25AuthIT {

    @TempDir
    Path dir;
    private Facteur facteur;

    @AfterEach
    void stop() throws Exception {
        if (facteur != null) facteur.close();
    }

    private ExternalProcess.Result swaks(InetSocketAddress at, String... options) throws Exception {
        List<String> command = new ArrayList<>(List.of("swaks", "--server", at.getAddress().getHostAddress(), "--port",
                String.valueOf(at.getPort()), "--to", "friend@elsewhere.example"));
        if (!List.of(options).contains("--from")) command.addAll(List.of("--from", "alice@example.test"));
        command.addAll(List.of(options));
        return ExternalProcess.run(command);
    }

    @Test
    void aClientThatLogsInOnPort25RelaysAndOthersDoNot() throws Exception {
        Path users = dir.resolve("users");
        UserFile.update(users, "alice@example.test", PasswordHash.of("secret pw".toCharArray(), PasswordHash.Scheme.SHA512_CRYPT));
        facteur = TestConfig.in(dir.resolve("data")).tls(SelfSigned.generate(dir.resolve("tls"), "mx.facteur.test")).tables("""
                [relay]
                networks = ["192.0.2.0/24"]
                [local]
                domains = ["example.test"]
                users = ["alice"]
                [submission]
                users_file = "%s"
                auth_on_port_25 = true
                """.formatted(users)).start();
        var mx = facteur.smtpAddresses().getFirst();
        assertThat(swaks(mx, "--quit-after", "EHLO").stdout()).doesNotContain("AUTH"); // not before STARTTLS
        assertThat(swaks(mx, "--tls", "--quit-after", "RCPT").stdout()).contains("AUTH SCRAM-SHA-256 PLAIN LOGIN")
                .contains("554 5.7.1 Relay access denied");
        var loggedIn = swaks(mx, "--tls", "--auth", "PLAIN", "--auth-user", "alice@example.test", "--auth-password", "secret pw");
        assertThat(loggedIn.stdout()).as(loggedIn.toString()).contains("235 2.7.0").contains("250 2.0.0 Ok: queued as");
        // the login checks of the submission ports apply here too: a stolen password is no way round them
        var asBob = swaks(mx, "--tls", "--auth", "PLAIN", "--auth-user", "alice@example.test", "--auth-password", "secret pw",
                "--from", "bob@example.test");
        assertThat(asBob.stdout()).contains("553 5.7.1 <bob@example.test>: Sender address rejected: not owned by user alice@example.test");
        assertThat(facteur.spool().messages()).hasSize(1);
        assertThat(facteur.submissionAddresses()).isEmpty();
    }
}
