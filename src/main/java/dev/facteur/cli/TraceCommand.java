package dev.facteur.cli;

import dev.facteur.config.Config;
import dev.facteur.history.HistoryReader;
import dev.facteur.history.Lookup;
import dev.facteur.history.MessageTrace;
import dev.facteur.history.TraceJson;
import dev.facteur.history.TraceText;
import dev.facteur.history.Tracer;
import dev.facteur.spool.LogSpool;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code facteur trace}: the life of a message, from the delivery history and the spool, read
 * directly as {@code queue list} reads the spool: it works whether the server runs or not, and
 * while it runs sees what it has written (the history's writer is microseconds behind).
 */
@Command(name = "trace", mixinStandardHelpOptions = true,
        description = {"Shows the life of a message: its arrival (client, login, envelope, size, Message-ID), each delivery "
                + "attempt per recipient (time, server, TLS, reply), the DSNs sent and its removal — from the delivery history, "
                + "kept [history] keep days after the message left the queue — and, while it is queued, its state now.",
                "Reads the history and the spool directly: the server need not run.",
                "Messages are shown newest first; times in local time."},
        footer = {"", "Examples:", "  facteur trace 0MJX4Z9K2B00A", "  facteur trace '<3f9a@example.com>'",
                "  facteur trace bob@example.org --since 2d", "  facteur trace @example.org --limit 50 --json"})
final class TraceCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    ConfigOption config;

    @Parameters(paramLabel = "QUEUE-ID|MESSAGE-ID|ADDRESS", description = {
            "A queue id; a Message-ID (<...>); an address, the messages from or to it (also tried as a Message-ID); "
                    + "or @domain, the messages from or to any address of that domain."})
    String key;

    @Option(names = "--since", paramLabel = "WHEN",
            description = "Only events from then on: a time ago (30m, 12h, 2d), a local date (2026-12-01) or time (2026-12-01T09:30), "
                    + "or an instant with its offset (2026-12-01T09:30:00Z).")
    String since;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "20", description = "At most N messages, the newest (default: ${DEFAULT-VALUE}).")
    int limit;

    @Option(names = "--json", description = "An array of messages with their events as the history stores them, for scripts.")
    boolean json;

    /** The clock and zone the command goes by (tests set them). */
    Clock clock = Clock.systemDefaultZone();

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        Lookup lookup;
        Instant from;
        try {
            lookup = Lookup.parse(key);
            from = since == null ? null : since(since, clock);
        } catch (IllegalArgumentException e) {
            err.println("facteur: " + e.getMessage());
            return 2;
        }
        if (limit < 1) {
            err.println("facteur: --limit must be at least 1");
            return 2;
        }
        Config c = config.load();
        List<MessageTrace> traces;
        LogSpool spool = Files.isDirectory(c.spoolDir()) ? LogSpool.openReadOnly(c.spoolDir()) : null;
        try {
            traces = new Tracer(new HistoryReader(c.history().directory()), spool).trace(lookup, from, limit);
        } finally {
            if (spool != null) spool.close();
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(TraceJson.format(traces));
            return traces.isEmpty() ? 1 : 0;
        }
        if (traces.isEmpty()) {
            err.println("facteur: nothing found for " + key + (c.history().enabled() ? "" : " (the delivery history is off: [history] enabled = false)"));
            return 1;
        }
        out.print(TraceText.format(traces, clock.getZone(), clock.instant()));
        out.flush();
        return 0;
    }

    /**
     * {@code --since}: {@code 30m}, {@code 12h}, {@code 2d} ago; a local date (its start) or date
     * and time; or an ISO 8601 instant with its offset.
     */
    static Instant since(String s, Clock clock) {
        String t = s.strip();
        if (t.matches("\\d+[smhd]")) {
            long n = Long.parseLong(t.substring(0, t.length() - 1));
            Duration d = switch (t.charAt(t.length() - 1)) {
                case 's' -> Duration.ofSeconds(n);
                case 'm' -> Duration.ofMinutes(n);
                case 'h' -> Duration.ofHours(n);
                default -> Duration.ofDays(n);
            };
            return clock.instant().minus(d);
        }
        ZoneId zone = clock.getZone();
        try {
            if (t.length() == 10) return LocalDate.parse(t).atStartOfDay(zone).toInstant();
            if (t.endsWith("Z") || t.matches(".*[+-]\\d\\d:\\d\\d$")) return OffsetDateTime.parse(t).toInstant();
            return LocalDateTime.parse(t).atZone(zone).toInstant();
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("--since: not a time ago (30m, 12h, 2d), a date (2026-12-01) or a time "
                    + "(2026-12-01T09:30, 2026-12-01T09:30:00Z): " + s);
        }
    }
}
