package dev.facteur.it.delivery;

import static dev.facteur.it.delivery.MailWorld.SENDER;
import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.message.Recipient;
import dev.facteur.testing.ExternalProcess;
import dev.facteur.testing.FacteurCli;
import dev.facteur.testing.ManualClock;
import dev.facteur.testing.Patience;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operator's queue commands, as typed: {@code facteur queue hold|release|delete|bounce|flush}
 * finds the admin port in the same configuration file as the running server, and acts on the real
 * queue through the admin HTTP interface. The commands run in this JVM (picocli, their output
 * captured), one of them in a JVM of its own as from a shell.
 */
class QueueCliIT {

    @TempDir
    static Path dir;

    private static String downHost;
    private static String laterHost;
    private static MailWorld world;
    private static final ManualClock clock = ManualClock.flowing();

    @BeforeAll
    static void startWorld() throws Exception {
        downHost = MailWorld.newHost();
        laterHost = MailWorld.newHost();
        var records = new ArrayList<String>();
        records.addAll(MailWorld.mx("down.test", downHost));
        records.addAll(MailWorld.mx("later.test", laterHost));
        // Retries far apart: nothing is delivered unless a command says so. One delivery at a time per
        // destination: what is due for a destination is tried in turn.
        world = MailWorld.start(dir, records, clock,
                c -> c.delivery(Map.of("retry_initial", "10m", "retry_max", "10m")).delivery("max_per_destination = 1"));
    }

    @AfterAll
    static void stopWorld() throws Exception {
        if (world != null) world.close();
    }

    /** Submits a message to {@code rcpt} and waits until its first attempt has failed for want of a server. */
    private static String deferred(String rcpt, String subject) throws Exception {
        String id = world.submit(SENDER, List.of(rcpt), subject);
        world.awaitEnvelope(id, "a first attempt", e -> e.schedule().attempts() >= 1);
        return id;
    }

    /** {@code facteur ARGS --config (the server's file)}, in this JVM. */
    private static ExternalProcess.Result facteur(String... args) {
        return facteurWith(world.configFile(), args);
    }

    private static ExternalProcess.Result facteurWith(Path config, String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--config", config.toString()));
        return FacteurCli.run(all.toArray(String[]::new));
    }

    @Test
    void holdStopsDeliveryUntilReleaseWhichTriesAtOnce() throws Exception {
        String id = deferred("bob@down.test", "hold me");

        // as from a shell: its own JVM, its exit status, its stdout
        var hold = FacteurCli.jvm("queue", "hold", id, "--config", world.configFile().toString());
        assertThat(hold.exitCode()).as(hold.toString()).isZero();
        assertThat(hold.stdout().strip()).isEqualTo(id + ": held (no delivery until released)");
        assertThat(world.envelope(id).orElseThrow().schedule().held()).isTrue();

        var flush = facteur("queue", "flush", id);
        assertThat(flush.stdout().strip()).as(flush.toString()).isEqualTo(id + ": held; release it first");

        var sink = world.sink(downHost);
        try {
            // A held message is not tried, flushed or not: a message for the same destination waits in line
            // behind whatever is due there, so once it has arrived the held one would have been tried first.
            // (A message a command is at work on is put off by a second: the clock moves past that.)
            clock.advance(Duration.ofSeconds(2));
            String probe = world.submit(SENDER, List.of("probe@down.test"), "probe");
            world.awaitGone(probe);
            assertThat(sink.messages()).singleElement().asString().contains("Subject: probe");
            assertThat(world.envelope(id).orElseThrow().schedule()).satisfies(s -> {
                assertThat(s.held()).isTrue();
                assertThat(s.attempts()).as("not tried since it was held").isEqualTo(1);
            });

            var release = facteur("queue", "release", id);
            assertThat(release.exitCode()).as(release.toString()).isZero();
            assertThat(release.stdout().strip()).isEqualTo(id + ": released, scheduled for delivery now");
            world.awaitGone(id);
            assertThat(MailWorld.awaitReceived(sink, 2)).hasSize(2).last().asString().contains("Subject: hold me");
        } finally {
            world.stop(sink); // down.test is down again for the other tests
        }
    }

    @Test
    void deleteRemovesTheMessageAndTellsNobody() throws Exception {
        String id = deferred("bob@down.test", "delete me");

        var delete = facteur("queue", "delete", id);
        assertThat(delete.exitCode()).as(delete.toString()).isZero();
        assertThat(delete.stdout().strip()).isEqualTo(id + ": deleted (no notification sent)");
        assertThat(world.envelope(id)).isEmpty();
        // A DSN would have been queued in the same commit as the deletion: there is none, queued or sent. One
        // that leaves the queue while we read it has reached the sender's MX, which is read after the queue.
        for (var queued : world.queuedBounces())
            assertThat(world.content(queued.id()).orElse("(delivered meanwhile)")).as("DSN %s", queued.id()).doesNotContain("Subject: delete me");
        assertThat(world.bounces().messages()).noneMatch(m -> m.contains("Subject: delete me"));
    }

    @Test
    void bounceFailsThePendingRecipientsAndSendsTheDsn() throws Exception { // RFC 3464: the sender is told
        String id = deferred("carol@down.test", "bounce me");

        var bounce = facteur("queue", "bounce", id);
        assertThat(bounce.exitCode()).as(bounce.toString()).isZero();
        assertThat(bounce.stdout().strip()).isEqualTo(id + ": 1 recipient bounced to the sender");
        assertThat(world.envelope(id)).isEmpty();

        List<String> dsn = Patience.await("the DSN")
                .until(() -> world.bounces().messages().stream().filter(m -> m.contains("Subject: bounce me")).toList(),
                        m -> !m.isEmpty());
        assertThat(dsn).hasSize(1);
        ParsedDsn.Rcpt carol = ParsedDsn.parse(dsn.getFirst()).only();
        assertThat(carol.finalRecipient()).isEqualTo("rfc822; carol@down.test");
        assertThat(carol.action()).isEqualTo("failed");
        assertThat(carol.status()).startsWith("5.");
    }

    @Test
    void flushWithoutAnIdTriesEveryWaitingMessageNow() throws Exception {
        String id = deferred("dave@later.test", "flush me");
        var before = world.envelope(id).orElseThrow();
        assertThat(before.recipients().getFirst().state()).isEqualTo(Recipient.State.PENDING);

        var sink = world.sink(laterHost);
        var flush = facteur("queue", "flush");
        assertThat(flush.exitCode()).as(flush.toString()).isZero();
        assertThat(flush.stdout().strip()).matches("\\d+ messages? scheduled for delivery now");
        world.awaitGone(id);
        assertThat(MailWorld.awaitReceived(sink, 1).getFirst()).contains("Subject: flush me");
    }

    @Test
    void aCommandWithoutTheServersTokenIsRefusedAndChangesNothing() throws Exception {
        String id = deferred("bob@down.test", "not yours");
        // Another user's view of the same server: its own token file, or none it can find.
        Path guess = dir.resolve("guess.token");
        Files.writeString(guess, "0123456789abcdefghijklmnopqrstuvwxyzABCDEFG\n");
        Path config = dir.resolve("intruder.toml");
        Files.writeString(config, Files.readString(world.configFile()) + "token_file = '" + guess + "'\n"); // in [admin]

        var delete = facteurWith(config, "queue", "delete", id);
        assertThat(delete.exitCode()).as(delete.toString()).isEqualTo(1);
        assertThat(delete.stderr()).startsWith("facteur: the server refused the admin token in " + guess);
        assertThat(delete.stdout()).isEmpty();
        assertThat(world.envelope(id)).isPresent();

        Files.delete(guess);
        var hold = facteurWith(config, "queue", "hold", id);
        assertThat(hold.exitCode()).as(hold.toString()).isEqualTo(1);
        assertThat(hold.stderr()).startsWith("facteur: no admin token at " + guess + " ([admin] token_file)");
        assertThat(world.envelope(id).orElseThrow().schedule().held()).isFalse();
    }

    @Test
    void queueListAsksTheRunningServerWhoseListingIsTheSpoolsOwn() throws Exception {
        String id = deferred("bob@down.test", "list me");
        for (String format : List.of("", "--json")) {
            var fromServer = format.isEmpty() ? facteur("queue", "list") : facteur("queue", "list", format);
            var fromSpool = format.isEmpty() ? facteur("queue", "list", "--spool") : facteur("queue", "list", format, "--spool");
            assertThat(fromServer.exitCode()).as(fromServer.toString()).isZero();
            assertThat(block(fromServer.stdout(), id)).as(format).isNotEmpty().isEqualTo(block(fromSpool.stdout(), id));
        }

        // The same server and token, but a data_dir with no spool: only the server can have answered.
        String text = Files.readString(world.configFile());
        Matcher dataDir = Pattern.compile("(?m)^data_dir = '([^']*)'$").matcher(text);
        assertThat(dataDir.find()).isTrue();
        Path elsewhere = Files.createDirectories(dir.resolve("elsewhere"));
        Path config = dir.resolve("elsewhere.toml");
        Files.writeString(config, dataDir.replaceFirst(Matcher.quoteReplacement("data_dir = '" + elsewhere + "'"))
                + "token_file = '" + Path.of(dataDir.group(1)).resolve("admin.token") + "'\n"); // in [admin]
        var list = facteurWith(config, "queue", "list");
        assertThat(list.exitCode()).as(list.toString()).isZero();
        assertThat(list.stdout()).contains(id, "bob@down.test");
        var spoolOnly = facteurWith(config, "queue", "list", "--spool");
        assertThat(spoolOnly.exitCode()).as(spoolOnly.toString()).isNotZero();
        assertThat(spoolOnly.stdout()).doesNotContain(id);
    }

    /** The lines of a listing from the one that names {@code id} to the next message's (text), or its JSON object. */
    private static String block(String listing, String id) {
        int at = listing.indexOf(id);
        if (at < 0) return "";
        int start = listing.lastIndexOf('\n', at) + 1;
        Matcher next = Pattern.compile("(?m)^(\\S|  \\},?$)").matcher(listing);
        int end = next.find(listing.indexOf('\n', at) + 1) ? next.end() : listing.length();
        return listing.substring(start, end);
    }

    @Test
    void aCommandForAnUnknownIdFailsAndSaysSo() throws Exception {
        String unknown = "0000000000000";
        var hold = facteur("queue", "hold", unknown);
        assertThat(hold.exitCode()).as(hold.toString()).isEqualTo(1);
        assertThat(hold.stderr()).contains(unknown + ": no such message in the queue");
        assertThat(hold.stdout()).isEmpty();
    }
}
