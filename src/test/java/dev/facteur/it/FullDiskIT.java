package dev.facteur.it;

import static dev.facteur.it.Smtplib.noop;
import static dev.facteur.it.Smtplib.quit;
import static dev.facteur.it.Smtplib.sendmail;
import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.message.QueueId;
import dev.facteur.server.Facteur;
import dev.facteur.spool.LogSpool;
import dev.facteur.net.HostPort;
import dev.facteur.smtp.FailingSink;
import dev.facteur.smtp.SmtpServer;
import dev.facteur.smtp.SmtpSettings;
import dev.facteur.testing.TestConfig;
import dev.facteur.testing.Tmpfs;
import dev.facteur.testing.WireReply;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Python's smtplib against a server whose disk is full: whatever the size of the message, the
 * client reads {@code 452 4.3.1} (RFC 3463: mail system full) in answer to its DATA, and the
 * session goes on. The spool spills messages over 1 MB to disk as they arrive, so a big one fails
 * while its content is still coming in, a small one only at commit.
 */
class FullDiskIT {

    private SmtpServer server;

    @AfterEach
    void stop() {
        if (server != null) server.shutdown(Duration.ofSeconds(1));
    }

    @Test
    void bigAndSmallMessagesAreBothToldTheMailSystemIsFull() throws Exception {
        var addresses = TestConfig.in(Path.of("unused")).tables("""
                [relay]
                networks = ["127.0.0.0/8"]
                """).addresses();
        var settings = new SmtpSettings(TestConfig.HOSTNAME, List.of(new HostPort("127.0.0.1", 0)), 50L << 20, 100, 20,
                100, 10, Duration.ofMinutes(5), Duration.ofMinutes(10), addresses, null, SmtpSettings.Defences.DEFAULT);
        server = new SmtpServer(settings, FailingSink.fullAfter(1 << 20), new QueueId.Generator(), Clock.systemUTC());
        server.start();
        String line = "x".repeat(998) + "\r\n";
        String big = "Subject: two megabytes\r\n\r\n" + line.repeat(2 << 10);
        String small = "Subject: three hundred kilobytes\r\n\r\n" + line.repeat(300);

        var replies = Smtplib.session(server.boundAddresses().getFirst(),
                sendmail("alice@sender.test", List.of("bob@example.test"), big, List.of()), noop(),
                sendmail("alice@sender.test", List.of("bob@example.test"), small, List.of()), noop(), quit());

        assertThat(replies).extracting(WireReply::code).as(replies.toString()).containsExactly(452, 250, 452, 250, 221);
        assertThat(replies.getFirst().text()).startsWith("4.3.1 ");
        assertThat(replies.get(2).text()).startsWith("4.3.1 ");
    }

    /**
     * The same through the real spool: Facteur's data directory on a small tmpfs of the test's
     * own, filled to the last page, with no reserve (spool.min_free_space = 0: the writes themselves
     * find the disk full). Both sizes are told 452 4.3.1; once there is room again the next message
     * is taken, and the spool holds exactly that one.
     */
    @Test
    void aRealSpoolOnAFullDiskSays452AndTakesMailAgainOnceThereIsRoom(@TempDir Path dir) throws Exception {
        String line = "x".repeat(998) + "\r\n";
        String big = "Subject: two megabytes\r\n\r\n" + line.repeat(2 << 10);
        String small = "Subject: three hundred kilobytes\r\n\r\n" + line.repeat(300);
        try (Tmpfs disk = Tmpfs.mount(dir.resolve("disk"), "8m")) {
            Path data = disk.path().resolve("data");
            try (Facteur facteur = TestConfig.in(data).tables("[spool]\nmin_free_space = \"0\"").start()) {
                Path filler = disk.fill();
                var full = Smtplib.session(facteur.smtpAddresses().getFirst(),
                        sendmail("alice@sender.test", List.of("bob@example.test"), big, List.of()), noop(),
                        sendmail("alice@sender.test", List.of("bob@example.test"), small, List.of()), quit());
                assertThat(full).extracting(WireReply::code).as(full.toString()).containsExactly(452, 250, 452, 221);
                assertThat(full.getFirst().text()).startsWith("4.3.1 ");
                assertThat(full.get(2).text()).startsWith("4.3.1 ");

                Files.delete(filler);
                var roomy = Smtplib.session(facteur.smtpAddresses().getFirst(),
                        sendmail("alice@sender.test", List.of("bob@example.test"), small, List.of()), quit());
                assertThat(roomy).extracting(WireReply::code).as(roomy.toString()).containsExactly(250, 221);
            }
            try (LogSpool spool = LogSpool.openReadOnly(data.resolve("spool"))) {
                assertThat(spool.messages()).hasSize(1);
            }
        }
    }
}
