package dev.facteur.it;

import static dev.facteur.it.Smtplib.ehlo;
import static dev.facteur.it.Smtplib.mail;
import static dev.facteur.it.Smtplib.quit;
import static dev.facteur.it.Smtplib.sendmail;
import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.server.Facteur;
import dev.facteur.spool.LogSpool;
import dev.facteur.testing.Loopback;
import dev.facteur.testing.Patience;
import dev.facteur.testing.SmtpSink;
import dev.facteur.testing.TestConfig;
import dev.facteur.testing.Tmpfs;
import dev.facteur.testing.WireReply;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * New mail stops before the spool's disk is full (Postfix's queue_minfree): below
 * {@code spool.min_free_space} free, MAIL is answered {@code 452 4.3.1}, and what is left is for
 * the queue's own records, so a queued message can still be delivered and leave the queue. On a
 * real small tmpfs of the test's own, through a real Facteur, Python's smtplib and smtp-sink.
 */
class SpoolReserveIT {

    private static final long MB = 1 << 20;
    private static final long RESERVE = 16 * MB;
    private static final String SENDER = "alice@sender.test";
    private static final String MESSAGE = "Subject: queued before the disk filled up\r\n\r\nhello\r\n";

    @TempDir
    Path dir;

    @Test
    void pastTheReserveMailGets452WhileQueuedMailStillLeavesTheQueue() throws Exception { // RFC 1870 §6.1, RFC 3463 X.3.1
        String relayHost = Loopback.host(); // down until the relay starts below
        int relayPort = SmtpSink.PORT;
        try (Tmpfs disk = Tmpfs.mount(dir.resolve("disk"), "48m")) {
            Path data = disk.path().resolve("data");
            try (Facteur facteur = config(data, relayHost, relayPort).start()) {
                InetSocketAddress smtp = facteur.smtpAddresses().getFirst();
                long free = usable(disk.path());
                assertThat(free).as("the tmpfs leaves room beyond the reserve").isGreaterThan(RESERVE + 16 * MB);

                // Before the reserve: mail is taken, unless its declared size would reach into the reserve.
                var roomy = Smtplib.session(smtp, ehlo(), mail(SENDER, "SIZE=" + (free - RESERVE - 8 * MB)), List.of("rset"),
                        mail(SENDER, "SIZE=" + (free - RESERVE + 8 * MB)),
                        sendmail(SENDER, List.of("bob@example.test"), MESSAGE, List.of()), quit());
                assertThat(roomy).extracting(WireReply::code).as(roomy.toString()).containsExactly(250, 250, 250, 452, 250, 221);
                assertThat(roomy.get(3).text()).startsWith("4.3.1 ");
                assertThat(facteur.spool().messages()).as("queued; its relay is down").hasSize(1);

                // Past the reserve, though the disk is not full: MAIL is refused.
                Path filler = fillUntilFree(disk.path(), RESERVE / 2);
                Patience.await("MAIL is refused once the disk is past the reserve").pollInterval(Duration.ofMillis(200))
                        .until(() -> Smtplib.session(smtp, ehlo(), mail(SENDER), quit()).get(1),
                                r -> r.code() == 452 && r.text().startsWith("4.3.1 "));

                // The queue's records still fit: the queued message is delivered, and its removal recorded.
                try (SmtpSink relay = SmtpSink.start(relayHost, relayPort)) {
                    Patience.await("the queued message is delivered").until(() -> relay.messages().size() == 1);
                    Patience.await("and leaves the queue").until(() -> facteur.spool().messages().isEmpty());
                }
                assertThat(usable(disk.path())).as("still past the reserve").isLessThan(RESERVE);

                Files.delete(filler);
                Patience.await("mail is taken again once there is room").pollInterval(Duration.ofMillis(200))
                        .until(() -> Smtplib.session(smtp, ehlo(), mail(SENDER), quit()).get(1).code() == 250);
            }
            try (LogSpool spool = LogSpool.openReadOnly(data.resolve("spool"))) {
                assertThat(spool.messages()).as("the delivered message's removal is on disk").isEmpty();
            }
        }
    }

    private static TestConfig config(Path data, String relayHost, int relayPort) {
        return TestConfig.in(data).tables("[spool]\nmin_free_space = \"%dB\"".formatted(RESERVE))
                .delivery(Map.of("smarthost", "[%s]:%d".formatted(relayHost, relayPort), "retry_initial", "1s", "retry_max", "1s",
                        "delay_warning", "off"))
                .delivery("starttls = false");
    }

    private static long usable(Path p) throws IOException {
        return Files.getFileStore(p).getUsableSpace();
    }

    /** Writes one file until about {@code left} bytes are free on the file system; returns it. */
    private static Path fillUntilFree(Path at, long left) throws IOException {
        Path filler = at.resolve("filler");
        byte[] block = new byte[1 << 20];
        try (OutputStream out = Files.newOutputStream(filler)) {
            for (long n = (usable(at) - left) / block.length; n > 0; n--) out.write(block);
        }
        return filler;
    }
}
