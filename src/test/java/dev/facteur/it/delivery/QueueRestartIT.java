package dev.facteur.it.delivery;

import static dev.facteur.it.delivery.MailWorld.REMOTE_PORT;
import static dev.facteur.it.delivery.MailWorld.SENDER;
import static dev.facteur.it.delivery.MailWorld.SENDER_DOMAIN;
import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.message.Envelope;
import dev.facteur.message.QueueId;
import dev.facteur.queue.QueueManager;
import dev.facteur.server.Facteur;
import dev.facteur.testing.Dnsmasq;
import dev.facteur.testing.ManualClock;
import dev.facteur.testing.Patience;
import dev.facteur.testing.SmtpSink;
import dev.facteur.testing.TestConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The queue survives a restart of the real server (a new Facteur on the same data directory):
 * due times, holds, the reasons of deferrals and the delay warning already sent are kept and
 * honoured; and operator commands racing with deliveries leave a spool that agrees with what
 * was delivered.
 */
class QueueRestartIT {

    @TempDir
    Path dir;

    /**
     * The time Facteur goes by: real time, moved forward by the test. It flows, as a real clock
     * does: queue ids are made from it, and a stopped clock would give the restarted server the
     * ids of messages already queued.
     */
    private final ManualClock clock = ManualClock.flowing();
    private TestConfig config;

    private Facteur start() throws Exception {
        return config.start(clock);
    }

    private static String submit(Facteur f, String rcpt, String subject) throws IOException {
        return MailWorld.submit(f, SENDER, List.of(rcpt), subject);
    }

    private static Optional<Envelope> envelope(Facteur f, String id) {
        return MailWorld.envelope(f, id);
    }

    private static Envelope awaitEnvelope(Facteur f, String id, String what, Predicate<Envelope> condition) {
        return MailWorld.awaitEnvelope(f, id, what, condition);
    }

    private static QueueManager queue(Facteur f) {
        return f.queue().orElseThrow();
    }

    @Test
    void dueTimesHoldsReasonsAndTheDelayWarningSurviveARestart() throws Exception { // RFC 5321 §4.5.4.1, RFC 3464 §2.3.3
        String bounceHost = MailWorld.newHost();
        String downHost = MailWorld.newHost(); // nothing listens: every attempt is deferred
        String okHost = MailWorld.newHost();
        List<String> zone = new ArrayList<>(List.of("local=/test/"));
        zone.addAll(MailWorld.mx(SENDER_DOMAIN, bounceHost));
        zone.addAll(MailWorld.mx("down.test", downHost));
        zone.addAll(MailWorld.mx("ok.test", okHost));
        var delivery = Map.of("retry_initial", "10m", "retry_max", "1h", "delay_warning", "1h", "max_lifetime", "5d");
        try (var dns = Dnsmasq.start(zone); var bounces = SmtpSink.start(bounceHost, REMOTE_PORT); var ok = SmtpSink.start(okHost, REMOTE_PORT)) {
            config = MailWorld.config(dir.resolve("data"), "[local]\ndomains = [\"facteur.test\"]\n", dns.hostPort()).delivery(delivery);
            String warned, deferred, held;
            Envelope deferredBefore;
            try (Facteur f = start()) {
                warned = submit(f, "dave@down.test", "late");
                awaitEnvelope(f, warned, "a first attempt", e -> e.schedule().attempts() >= 1);
                clock.advance(Duration.ofMinutes(61));
                assertThat(queue(f).flush(QueueId.parse(warned)).ok()).isTrue();
                awaitEnvelope(f, warned, "the delay warning", e -> e.schedule().delayNotified());
                assertThat(ParsedDsn.parseAll(MailWorld.awaitReceived(bounces, 1))).singleElement()
                        .satisfies(d -> assertThat(d.only().action()).isEqualTo("delayed"));

                deferred = submit(f, "bob@down.test", "deferred");
                deferredBefore = awaitEnvelope(f, deferred, "a first attempt", e -> e.schedule().attempts() >= 1);
                assertThat(deferredBefore.schedule().nextAttempt()).isAfter(clock.instant());

                held = submit(f, "carol@down.test", "held");
                awaitEnvelope(f, held, "a first attempt", e -> e.schedule().attempts() >= 1);
                assertThat(queue(f).hold(QueueId.parse(held)).ok()).isTrue();
            }

            try (Facteur f = start()) {
                Envelope d = envelope(f, deferred).orElseThrow();
                assertThat(d.schedule().attempts()).isEqualTo(1);
                assertThat(d.schedule().nextAttempt()).as("the due time, as the spool keeps it (ms)")
                        .isEqualTo(deferredBefore.schedule().nextAttempt().truncatedTo(ChronoUnit.MILLIS));
                assertThat(d.recipients().getFirst().diagnostic()).as("the reason").startsWith("421 4.4.2")
                        .isEqualTo(deferredBefore.recipients().getFirst().diagnostic());
                assertThat(envelope(f, held).orElseThrow().schedule().held()).isTrue();
                assertThat(envelope(f, warned).orElseThrow().schedule().delayNotified()).isTrue();

                // Mail that goes through shows the dispatcher has looked at the whole queue since the start.
                submit(f, "eve@ok.test", "through");
                MailWorld.awaitReceived(ok, 1);
                assertThat(envelope(f, deferred).orElseThrow().schedule().attempts()).as("not tried before it is due").isEqualTo(1);
                assertThat(envelope(f, held).orElseThrow().schedule().attempts()).as("held: not tried").isEqualTo(1);

                clock.advance(Duration.between(clock.instant(), deferredBefore.schedule().nextAttempt()));
                awaitEnvelope(f, deferred, "the attempt once due", e -> e.schedule().attempts() == 2);
                assertThat(envelope(f, held).orElseThrow().schedule()).satisfies(s -> {
                    assertThat(s.held()).isTrue();
                    assertThat(s.attempts()).isEqualTo(1);
                });

                int before = envelope(f, warned).orElseThrow().schedule().attempts();
                assertThat(queue(f).flush(QueueId.parse(warned)).ok()).isTrue();
                awaitEnvelope(f, warned, "another attempt", e -> e.schedule().attempts() > before);
                // a second warning would have been committed with that attempt: let the queue deliver any DSN it holds
                Patience.await("no DSN left in the queue")
                        .until(() -> f.spool().messages().stream().noneMatch(m -> m.envelope().sender().isNull()));
                assertThat(bounces.messages()).as("the delay warning goes out once").hasSize(1);
            }
        }
    }

    @Test
    void aClockSetBackAcrossARestartDoesNotReuseTheIdOfAQueuedMessage() throws Exception {
        String downHost = MailWorld.newHost(); // nothing listens: the first message stays queued
        List<String> zone = new ArrayList<>(List.of("local=/test/"));
        zone.addAll(MailWorld.mx("down.test", downHost));
        try (var dns = Dnsmasq.start(zone)) {
            config = MailWorld.config(dir.resolve("data"), "[local]\ndomains = [\"facteur.test\"]\n", dns.hostPort())
                    .delivery(Map.of("retry_initial", "1h"));
            String first;
            clock.advance(Duration.ofDays(1));
            try (Facteur f = start()) {
                first = submit(f, "bob@down.test", "queued a day ahead");
            }
            clock.advance(Duration.ofDays(-1)); // the clock was wrong, and is set right while the server is down
            try (Facteur f = start()) {
                String second = submit(f, "carol@down.test", "after the restart");
                assertThat(QueueId.parse(second)).isGreaterThan(QueueId.parse(first));
                assertThat(envelope(f, first).orElseThrow().recipients().getFirst().address()).hasToString("bob@down.test");
                assertThat(f.spool().messages()).hasSize(2);
            }
        }
    }

    @Test
    void operatorCommandsRacingWithDeliveriesLeaveTheQueueConsistentAcrossARestart() throws Exception {
        String bounceHost = MailWorld.newHost();
        String slowHost = MailWorld.newHost();
        List<String> zone = new ArrayList<>(List.of("local=/test/"));
        zone.addAll(MailWorld.mx(SENDER_DOMAIN, bounceHost));
        zone.addAll(MailWorld.mx("slow.test", slowHost));
        int n = 24;
        try (var dns = Dnsmasq.start(zone);
                var bounces = SmtpSink.start(bounceHost, REMOTE_PORT);
                var slow = SmtpSink.start(slowHost, REMOTE_PORT, "-w", "1")) { // a second before each reply to DATA
            // two at a time: most messages wait in slow.test's list while the commands come
            config = MailWorld.config(dir.resolve("data"), "[local]\ndomains = [\"facteur.test\"]\n", dns.hostPort())
                    .delivery("max_per_destination = 2");
            List<String> ids = new ArrayList<>();
            Map<String, List<String>> said = new HashMap<>();
            try (Facteur f = start()) {
                for (int i = 0; i < n; i++) ids.add(submit(f, "user" + i + "@slow.test", "racing " + i));
                var q = queue(f);
                try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
                    for (int i = 0; i < n; i++) {
                        QueueId id = QueueId.parse(ids.get(i));
                        List<String> results = new ArrayList<>();
                        said.put(ids.get(i), results);
                        int kind = i % 4;
                        pool.submit(() -> {
                            switch (kind) {
                                case 0 -> results.add("hold " + q.hold(id).ok());
                                case 1 -> results.add("delete " + q.delete(id).ok());
                                case 2 -> results.add("flush " + q.flush(id).ok());
                                default -> {
                                    results.add("hold " + q.hold(id).ok());
                                    results.add("release " + q.release(id).ok());
                                }
                            }
                        });
                    }
                }
                Patience.await("every message delivered, deleted or held").until(() -> ids.stream()
                        .allMatch(id -> envelope(f, id).map(e -> e.schedule().held()).orElse(true)));
            }

            try (Facteur f = start()) {
                Map<String, Integer> received = new HashMap<>();
                for (String m : slow.messages()) {
                    for (String id : ids) if (m.contains(" id " + id + "\n") || m.contains(" id " + id + "\r\n")) received.merge(id, 1, Integer::sum);
                }
                for (int i = 0; i < n; i++) {
                    String id = ids.get(i);
                    List<String> r = said.get(id);
                    Optional<Envelope> queued = envelope(f, id);
                    int copies = received.getOrDefault(id, 0);
                    assertThat(copies).as("%s %s: delivered at most once", id, r).isLessThanOrEqualTo(1);
                    assertThat(copies == 1 || queued.isPresent() || r.contains("delete true"))
                            .as("%s %s: delivered, queued or deleted", id, r).isTrue();
                    if (copies == 1) assertThat(queued).as("%s %s: delivered, so no longer queued", id, r).isEmpty();
                    if (r.contains("delete true")) assertThat(copies + (queued.isPresent() ? 1 : 0)).as("%s %s", id, r).isZero();
                    if (r.equals(List.of("hold true"))) {
                        assertThat(copies).as("%s %s: held, so not delivered", id, r).isZero();
                        assertThat(queued.orElseThrow().schedule().held()).as("%s %s: still held after the restart", id, r).isTrue();
                    }
                    if (r.equals(List.of("hold true", "release true"))) assertThat(copies).as("%s %s", id, r).isEqualTo(1);
                }
                assertThat(said.values()).as("each kind of command took effect on some message")
                        .contains(List.of("hold true"), List.of("delete true"), List.of("flush true"), List.of("hold true", "release true"));
                assertThat(bounces.messages()).as("no DSN: %s", bounces.messages()).isEmpty();
            }
        }
    }
}
