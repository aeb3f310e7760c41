package dev.facteur.admin;

import dev.facteur.message.Envelope;
import dev.facteur.message.Recipient;
import dev.facteur.message.Schedule;
import dev.facteur.spool.StoredMessage;
import java.io.IOException;
import java.io.Writer;
import java.time.Instant;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.StreamWriteFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * What {@code facteur queue list} prints, one message after the other, as a person reads it or
 * as JSON: written straight to the output, a line or an object at a time, since a queue can hold
 * a million messages. The caller buffers the writer and flushes it. The command writes it from the
 * spool it reads, or has the running server write it ({@code GET /api/queue/export}) from the
 * index it keeps in memory, which spares reading the whole spool again.
 */
public final class QueueListing {

    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss", Locale.ROOT).withZone(ZoneId.systemDefault());
    private static final String NL = System.lineSeparator();
    /** Under the QUEUE ID, SIZE and ARRIVAL columns: where a message's recipients are listed. */
    private static final String COLUMNS = " ".repeat(13 + 2 + 9 + 2 + 19);
    private static final JsonMapper JSON = JsonMapper.builder().disable(StreamWriteFeature.AUTO_CLOSE_TARGET).build();

    private final Writer out;
    private final StringBuilder line = new StringBuilder(256);
    /** The last second formatted, and how: messages arrive many to a second. */
    private long formattedSecond = Long.MIN_VALUE;
    private String formatted;

    public QueueListing(Writer out) {
        this.out = out;
    }

    /**
     * A table: a line per message (id, size, arrival, sender, then HELD, attempts and the next
     * attempt when there are any), a line per recipient with its state, and one for the last
     * error of those that wait for another attempt; then the count and the bytes.
     */
    public void text(Iterable<StoredMessage> messages) throws IOException {
        line.setLength(0);
        long bytes = 0;
        long count = 0;
        for (StoredMessage m : messages) {
            if (count++ == 0) {
                left("QUEUE ID", 13).append("  ");
                right("SIZE", 9).append("  ");
                left("ARRIVAL", 19).append("  SENDER / RECIPIENTS").append(NL);
            }
            Envelope e = m.envelope();
            bytes += m.size();
            left(e.id().toString(), 13).append("  ");
            right(Long.toString(m.size()), 9).append("  ");
            left(time(e.arrival()), 19).append("  <").append(e.sender()).append('>');
            schedule(e.schedule());
            line.append(NL);
            for (Recipient r : e.recipients()) {
                line.append(COLUMNS).append("    ").append(r.address()).append(" (").append(state(r)).append(')').append(NL);
                if (r.diagnostic() != null && r.isPending()) line.append(COLUMNS).append("      last error: ").append(r.diagnostic()).append(NL);
            }
            flushLine();
        }
        if (count == 0) {
            out.write("Mail queue is empty" + NL);
            return;
        }
        line.append("-- ").append(count).append(" message").append(count == 1 ? "" : "s")
                .append(", ").append(bytes).append(" bytes").append(NL);
        flushLine();
    }

    /**
     * An array with an object per message: id, sender, recipients (address, state, last_reply and
     * remote_mta when known), attempts, held, next_attempt when set, size and arrival.
     */
    public void json(Iterable<StoredMessage> messages) throws IOException {
        try (JsonGenerator g = JSON.writerWithDefaultPrettyPrinter().createGenerator(out)) {
            g.writeStartArray();
            for (StoredMessage m : messages) {
                Envelope e = m.envelope();
                g.writeStartObject();
                g.writeStringProperty("id", e.id().toString());
                g.writeStringProperty("sender", e.sender().toString());
                g.writeArrayPropertyStart("recipients");
                for (Recipient r : e.recipients()) {
                    g.writeStartObject();
                    g.writeStringProperty("address", r.address().toString());
                    g.writeStringProperty("state", state(r));
                    if (r.diagnostic() != null) g.writeStringProperty("last_reply", r.diagnostic());
                    if (r.remoteMta() != null) g.writeStringProperty("remote_mta", r.remoteMta());
                    g.writeEndObject();
                }
                g.writeEndArray();
                Schedule s = e.schedule();
                g.writeNumberProperty("attempts", s.attempts());
                g.writeBooleanProperty("held", s.held());
                if (s.nextAttempt() != null) g.writeStringProperty("next_attempt", millis(s.nextAttempt()));
                g.writeNumberProperty("size", m.size());
                g.writeStringProperty("arrival", millis(e.arrival()));
                g.writeEndObject();
            }
            g.writeEndArray();
        }
        out.write(NL);
    }

    /** To the millisecond, as the spool keeps times: the server's copy in memory may hold finer ones. */
    private static String millis(Instant t) {
        return t.truncatedTo(ChronoUnit.MILLIS).toString();
    }

    /** pending (never tried), deferred (tried, will retry), delivered, failed. */
    public static String state(Recipient r) {
        if (r.isPending() && r.diagnostic() != null) return "deferred";
        return switch (r.state()) {
            case PENDING -> "pending";
            case DELIVERED -> "delivered";
            case FAILED -> "failed";
            case EXPANDED -> "expanded";
        };
    }

    private void schedule(Schedule s) {
        if (s.held()) line.append("  HELD");
        if (s.attempts() > 0) line.append("  attempts=").append(s.attempts());
        if (s.nextAttempt() != null && !s.held()) line.append("  next=").append(time(s.nextAttempt()));
    }

    private String time(Instant t) {
        long second = t.getEpochSecond();
        if (second != formattedSecond) {
            formatted = TIME.format(t);
            formattedSecond = second;
        }
        return formatted;
    }

    private StringBuilder left(String s, int width) {
        line.append(s);
        for (int i = s.length(); i < width; i++) line.append(' ');
        return line;
    }

    private StringBuilder right(String s, int width) {
        for (int i = s.length(); i < width; i++) line.append(' ');
        return line.append(s);
    }

    private void flushLine() throws IOException {
        out.append(line);
        line.setLength(0);
    }
}
