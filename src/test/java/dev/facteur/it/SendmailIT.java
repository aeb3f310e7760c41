package dev.facteur.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.message.QueueId;
import dev.facteur.server.Facteur;
import dev.facteur.testing.FacteurCli;
import dev.facteur.testing.StoredContent;
import dev.facteur.testing.TestConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code facteur sendmail} at the end of a shell pipe, as cron and scripts call sendmail, with the exit codes of sysexits.h. */
class SendmailIT {

    @TempDir
    Path dir;
    private Facteur facteur;

    @AfterEach
    void stop() throws Exception {
        if (facteur != null) facteur.close();
    }

    private Path start(String authorized) throws Exception {
        var config = TestConfig.in(dir.resolve("data")).tables("""
                [relay]
                networks = ["192.0.2.0/24"]   # not loopback: local submission relays because the kernel says who it is
                [local]
                domains = ["example.test"]
                users = ["bob"]
                [sendmail]
                authorized_users = [%s]
                """.formatted(authorized));
        facteur = config.start();
        return config.writeTo(dir.resolve("facteur.toml"));
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void aMessageFromAPipeIsQueuedWithRecipientsFromItsHeaderAndBccRemoved() throws Exception {
        Path config = start("");
        var r = FacteurCli.piped(bytes("To: bob@example.test\nBcc: friend@elsewhere.example\nSubject: cron\n\nbackup done\n.\nnot the end with -i\n"),
                "sendmail", "--config", config.toString(), "-t", "-i", "-F", "Cron Daemon");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(facteur.spool().messages()).hasSize(1);
        var stored = facteur.spool().messages().getFirst().envelope();
        assertThat(stored.recipients()).extracting(x -> x.address().toString()).containsExactlyInAnyOrder("bob@example.test", "friend@elsewhere.example");
        String content = StoredContent.text(facteur.spool(), stored.id().toString());
        assertThat(content).doesNotContain("Bcc:").contains("\r\nFrom: Cron Daemon <" + System.getProperty("user.name") + "@")
                .contains("\r\nDate: ").contains("\r\nMessage-ID: <").contains("\r\n\r\nbackup done\r\n.\r\nnot the end with -i\r\n")
                .contains("with ESMTPA");
    }

    @Test
    void withoutDashIADotEndsTheMessageAndDashFSetsTheSender() throws Exception {
        Path config = start("");
        var r = FacteurCli.piped(bytes("Subject: x\n\nfirst\n.\nignored\n"), "sendmail", "--config", config.toString(), "-f",
                "backups@example.test", "bob@example.test");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        var m = facteur.spool().messages().getFirst().envelope();
        assertThat(m.sender().toString()).isEqualTo("backups@example.test");
        assertThat(StoredContent.text(facteur.spool(), m.id().toString())).endsWith("\r\n\r\nfirst\r\n").contains("From: <backups@example.test>");
    }

    @Test
    void exitCodesSayWhatWentWrong() throws Exception {
        Path config = start("");
        var noRecipient = FacteurCli.piped(bytes("Subject: x\n\nhi\n"), "sendmail", "--config", config.toString());
        assertThat(noRecipient.exitCode()).isEqualTo(64); // EX_USAGE
        var unknown = FacteurCli.piped(bytes("Subject: x\n\nhi\n"), "sendmail", "--config", config.toString(), "nobody@example.test");
        assertThat(unknown.exitCode()).isEqualTo(67); // EX_NOUSER
        assertThat(unknown.stderr()).contains("550 5.1.1");
        var badOption = FacteurCli.piped(bytes(""), "sendmail", "--config", config.toString(), "-bz");
        assertThat(badOption.exitCode()).isEqualTo(64);
        facteur.close();
        facteur = null;
        var down = FacteurCli.piped(bytes("Subject: x\n\nhi\n"), "sendmail", "--config", config.toString(), "bob@example.test");
        assertThat(down.exitCode()).isEqualTo(69); // EX_UNAVAILABLE
        assertThat(down.stderr()).contains("Facteur is not running");
    }

    @Test
    void onlyTheAuthorizedLocalUsersMaySubmit() throws Exception {
        Path config = start("\"someone-else\"");
        var r = FacteurCli.piped(bytes("Subject: x\n\nhi\n"), "sendmail", "--config", config.toString(), "bob@example.test");
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(77); // EX_NOPERM
        assertThat(facteur.spool().messages()).isEmpty();
    }
}
