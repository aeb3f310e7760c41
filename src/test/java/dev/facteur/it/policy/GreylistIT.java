package dev.facteur.it.policy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.server.Facteur;
import dev.facteur.testing.MaildirReader;
import dev.facteur.testing.ManualClock;
import dev.facteur.testing.Patience;
import dev.facteur.testing.PrivatePostfix;
import dev.facteur.testing.TestConfig;
import dev.facteur.testing.WireClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Greylisting against a real MTA (RFC 6647): Postfix meets the 451 4.7.1 of a first attempt,
 * keeps the message in its queue, retries after the delay and gets through.
 */
class GreylistIT {

    @TempDir
    Path dir;

    private Facteur facteur;
    private PrivatePostfix postfix;
    private Path postfixDir;

    @AfterEach
    void stop() throws Exception {
        if (postfix != null) postfix.close();
        if (facteur != null) facteur.close();
        if (postfixDir != null) {
            try (var files = Files.walk(postfixDir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @Test
    void postfixMeetsTheGreylistRetriesAfterTheDelayAndGetsThrough() throws Exception {
        var clock = ManualClock.at(Instant.parse("2026-12-01T10:00:00Z"));
        facteur = TestConfig.in(dir.resolve("data")).tables("""
                [relay]
                networks = ["127.0.0.1/32"]
                [local]
                domains = ["example.test"]
                users = ["bob"]
                [policy]
                checks = ["greylist"]
                [policy.greylist]
                delay = "5m"
                """).delivery(Map.of()).start(clock);
        postfixDir = Files.createTempDirectory(Path.of("/tmp"), "facteur-postfix-");
        postfix = PrivatePostfix.start(postfixDir, facteur.smtpAddresses().getFirst());

        byte[] message = "From: alice@sender.test\r\nTo: bob@example.test\r\nSubject: hello\r\n\r\nHi Bob.\r\n"
                .getBytes(StandardCharsets.US_ASCII);
        try (WireClient c = WireClient.ready(postfix.smtpd(), "app.sender.test")) {
            c.expect(250, c.command("MAIL FROM:<alice@sender.test>"));
            c.expect(250, c.command("RCPT TO:<bob@example.test>"));
            c.expect(354, c.command("DATA"));
            c.send(message);
            c.expect(250, c.command("."));
        }
        Patience.await("Postfix is greylisted").until(postfix::maillog, log -> log.contains("status=deferred") && log.contains("451 4.7.1"));
        Path maildir = dir.resolve("data/mail/example.test/bob");
        assertThat(MaildirReader.read(maildir)).isEmpty();

        postfix.flush(); // too early: still greylisted
        Patience.await("the early retry is refused").until(postfix::maillog, log -> log.split("451 4.7.1", -1).length > 2);

        clock.advance(Duration.ofMinutes(6));
        postfix.flush();
        var delivered = Patience.await("the retry after the delay is delivered").until(() -> MaildirReader.read(maildir), l -> l.size() == 1);
        assertThat(delivered.getFirst().subject()).isEqualTo("hello");
        try (var files = Files.list(maildir.resolve("new"))) {
            assertThat(Files.readString(files.findFirst().orElseThrow())).contains("X-Greylist: passed after a retry");
        }
        Patience.await("Postfix logs the delivery").until(postfix::maillog, log -> log.contains("status=sent"));
    }
}
