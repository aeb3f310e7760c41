package dev.facteur.history;

import dev.facteur.message.Envelope;
import dev.facteur.message.Recipient;
import dev.facteur.message.Schedule;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A trace for people: per message a heading (queue id, Message-ID), then one line per event, its
 * time in the reader's time zone with the offset, what happened, and the details, in aligned
 * columns; for a message still queued, a last line with its state now. Example:
 *
 * <pre>
 * 0MJX4Z9K2B00A  Message-ID &lt;3f9a@example.com&gt;
 *   2026-12-01 10:14:03.120 +01:00  received   from &lt;alice@example.com&gt; to bob@example.org; 2311 bytes; client mail.example.com [192.0.2.7] ESMTPSA, login alice
 *   2026-12-01 10:14:03.457 +01:00  delivered  bob@example.org (attempt 1) via mx.example.org[198.51.100.25]:25, TLS TLSv1.3 ...: 250 2.0.0 Ok
 * </pre>
 */
public final class TraceText {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("uuuu-MM-dd HH:mm:ss.SSS xxx", Locale.ROOT);
    private static final String NO_TIME = " ".repeat(30);

    private TraceText() {}

    /**
     * @param zone the time zone times are shown in (the reader's)
     * @param now  when the trace was taken: the time of the queued-state line
     */
    public static String format(List<MessageTrace> traces, ZoneId zone, Instant now) {
        var out = new StringBuilder();
        for (int i = 0; i < traces.size(); i++) {
            if (i > 0) out.append('\n');
            format(out, traces.get(i), zone, now);
        }
        return out.toString();
    }

    private static void format(StringBuilder out, MessageTrace t, ZoneId zone, Instant now) {
        String mid = t.messageId();
        out.append(t.id()).append("  ").append(mid.isEmpty() ? "(Message-ID not known)" : "Message-ID " + mid).append('\n');
        for (HistoryEvent e : t.events()) line(out, TIME.format(e.time().atZone(zone)), kind(e), describe(t, e));
        t.queued().ifPresent(m -> line(out, TIME.format(now.atZone(zone)), "queued", queued(m.envelope(), zone)));
        if (t.events().isEmpty() && t.queued().isEmpty()) line(out, NO_TIME, "", "nothing kept");
    }

    private static void line(StringBuilder out, String time, String kind, String text) {
        out.append("  ").append(time).append("  ").append(String.format(Locale.ROOT, "%-9s", kind)).append("  ").append(text).append('\n');
    }

    /** The word in the second column. */
    static String kind(HistoryEvent e) {
        return switch (e) {
            case HistoryEvent.Received r -> "received";
            case HistoryEvent.Attempt a -> a.result().word();
            case HistoryEvent.GaveUp g -> "gave up";
            case HistoryEvent.Dsn d -> "dsn";
            case HistoryEvent.Removed r -> "removed";
        };
    }

    static String describe(MessageTrace t, HistoryEvent e) {
        return switch (e) {
            case HistoryEvent.Received r -> received(r);
            case HistoryEvent.Attempt a -> a.recipient() + " (attempt " + a.attempt() + ")"
                    + (a.relay().isEmpty() ? ", no server reached" : " via " + a.relay())
                    + (a.tls().isEmpty() ? "" : ", TLS " + a.tls()) + ": " + a.reply();
            case HistoryEvent.GaveUp g -> g.recipient() + ": " + g.reason();
            // told from the side of the message traced: the original, or the notice itself
            case HistoryEvent.Dsn d when d.dsnId().equals(t.id()) && !d.queueId().equals(t.id()) ->
                    d.kind() + " notice (" + d.action() + ") about " + d.queueId() + " for " + String.join(", ", d.about()) + ", to " + d.to();
            case HistoryEvent.Dsn d -> d.kind() + " notice " + d.dsnId() + " to " + d.to() + " (" + d.action() + ": "
                    + String.join(", ", d.about()) + ")";
            case HistoryEvent.Removed r -> "left the queue: " + r.reason();
        };
    }

    private static String received(HistoryEvent.Received r) {
        var b = new StringBuilder();
        b.append("from <").append(r.sender()).append("> to ").append(String.join(", ", r.recipients()));
        b.append("; ").append(r.size()).append(" bytes; client ");
        b.append(r.clientName().isEmpty() ? r.helo() : r.clientName()).append(" [").append(r.clientAddress()).append("]");
        if (!r.clientName().isEmpty() && !r.helo().isEmpty() && !r.helo().equalsIgnoreCase(r.clientName())) b.append(" helo=").append(r.helo());
        if (!r.protocol().isEmpty()) b.append(' ').append(r.protocol());
        if (!r.tls().isEmpty()) b.append(", TLS ").append(r.tls());
        if (!r.login().isEmpty()) b.append(", login ").append(r.login());
        return b.toString();
    }

    private static String queued(Envelope e, ZoneId zone) {
        List<String> rs = new ArrayList<>();
        for (Recipient r : e.recipients()) {
            String state = state(r);
            rs.add(r.address() + " " + state + (r.isPending() && r.diagnostic() != null ? " (" + r.diagnostic() + ")" : ""));
        }
        Schedule s = e.schedule();
        var b = new StringBuilder("in the queue: ").append(String.join(", ", rs));
        b.append("; ").append(s.attempts()).append(s.attempts() == 1 ? " attempt" : " attempts");
        if (s.held()) b.append("; HELD until released (facteur queue release ").append(e.id()).append(')');
        else if (s.nextAttempt() != null) b.append("; next attempt ").append(TIME.format(s.nextAttempt().atZone(zone)));
        else if (!e.isComplete()) b.append("; next attempt now");
        return b.toString();
    }

    /** pending (never tried), deferred (tried, will be tried again), delivered, failed, expanded: as {@code facteur queue list} says. */
    static String state(Recipient r) {
        if (r.isPending() && r.diagnostic() != null) return "deferred";
        return r.state().name().toLowerCase(Locale.ROOT);
    }
}
