package dev.facteur.it.delivery;

import static dev.facteur.it.delivery.MailWorld.SENDER;
import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.testing.ExternalProcess;
import dev.facteur.testing.FacteurCli;
import dev.facteur.testing.LogCapture;
import dev.facteur.testing.Patience;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code facteur trace}, typed by an operator whose user asks "where is my mail" once the message
 * has left the queue: a real Facteur delivers to a peer that takes bob and one that refuses carol
 * for good (so a DSN goes back to alice); the trace, by queue id, by Message-ID and by address,
 * tells the arrival, both attempts with the servers' replies, and the DSN with its queue id.
 */
class TraceIT {

    @TempDir
    Path dir;

    private static final Pattern DSN_QUEUED = Pattern.compile("(\\w{13}): sender notification (\\w{13}) queued \\(action=failed");

    @Test
    void aMessageThatLeftTheQueueIsTracedFromArrivalToItsDsn() throws Exception {
        String goodHost = MailWorld.newHost();
        String rejectHost = MailWorld.newHost();
        var records = new ArrayList<String>();
        records.addAll(MailWorld.mx("good.test", goodHost));
        records.addAll(MailWorld.mx("reject.test", rejectHost));
        try (var world = MailWorld.start(dir, records); var queueLog = LogCapture.attach("facteur.queue")) {
            world.sink(goodHost);
            world.sink(rejectHost, "-f", "rcpt"); // every RCPT gets a 5xx
            String id = world.submit(SENDER, List.of("bob@good.test", "carol@reject.test"), "where is my mail");
            world.awaitGone(id);
            String dsn = dsnOf(queueLog, id);

            // the history is written off the delivery path: the last events follow the queue by a moment
            String trace = Patience.await("the trace of " + id + " tells its removal")
                    .until(() -> facteur(world, "trace", id).stdout(), out -> out.contains("left the queue"));

            List<String> lines = trace.lines().toList();
            assertThat(lines.getFirst()).isEqualTo(id + "  Message-ID <where-is-my-mail@sender.test>");
            assertThat(lines).filteredOn(l -> l.contains("  received  "))
                    .singleElement().asString()
                    .contains("from <alice@sender.test> to bob@good.test, carol@reject.test; ", " bytes; client ", " [127.0.0.1] ESMTP");
            assertThat(lines).filteredOn(l -> l.contains("  delivered  ")).singleElement().asString()
                    .containsPattern("delivered  bob@good\\.test \\(attempt 1\\) via mx\\.good\\.test\\[" + Pattern.quote(goodHost)
                            + "\\]:2526, TLS .*: 250 ");
            assertThat(lines).filteredOn(l -> l.contains("  bounced  ")).singleElement().asString()
                    .containsPattern("bounced    carol@reject\\.test \\(attempt 1\\) via mx\\.reject\\.test\\[" + Pattern.quote(rejectHost)
                            + "\\]:2526, TLS .*: 5\\d\\d ");
            assertThat(lines).filteredOn(l -> l.contains("  dsn  ")).singleElement().asString()
                    .endsWith("dsn        failure notice " + dsn + " to alice@sender.test (failed: carol@reject.test)");
            assertThat(lines.getLast()).endsWith("removed    left the queue: every recipient done");
            assertThat(lines.subList(1, lines.size())).as("every event line starts with the local time and its offset")
                    .allMatch(l -> l.matches("  \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{3} [+-]\\d\\d:\\d\\d  \\S.*"));

            // the same message by its Message-ID, and by an address: here from a shell, a JVM of its own
            assertThat(facteur(world, "trace", "<where-is-my-mail@sender.test>").stdout()).isEqualTo(trace);
            ExternalProcess.Result byAddress = FacteurCli.jvm("trace", "carol@reject.test", "--config", world.configFile().toString());
            assertThat(byAddress.exitCode()).as(byAddress.toString()).isZero();
            assertThat(byAddress.stdout()).isEqualTo(trace);

            // and the DSN itself: made for carol's failure, delivered to alice's MX
            String dsnTrace = Patience.await("the trace of the DSN " + dsn + " tells its removal")
                    .until(() -> facteur(world, "trace", dsn).stdout(), out -> out.contains("left the queue"));
            assertThat(dsnTrace).contains("dsn        failure notice (failed) about " + id + " for carol@reject.test, to alice@sender.test",
                    "delivered  alice@sender.test (attempt 1) via mx.sender.test[");
        }
    }

    /** The queue id of the failure DSN the queue logged for message {@code id}. */
    private static String dsnOf(LogCapture queueLog, String id) {
        return Patience.await("the DSN of " + id + " is queued").until(() -> queueLog.messages().stream()
                .map(DSN_QUEUED::matcher).filter(Matcher::find).filter(m -> m.group(1).equals(id)).map(m -> m.group(2))
                .findFirst().orElse(null), d -> d != null);
    }

    private static ExternalProcess.Result facteur(MailWorld world, String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--config", world.configFile().toString()));
        return FacteurCli.run(all.toArray(String[]::new));
    }
}
