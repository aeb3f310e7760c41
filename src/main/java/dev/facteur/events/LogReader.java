package dev.facteur.events;

import dev.facteur.io.ByteScan;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the event log from a position, as far as it is synced, across rotations: the webhook's
 * outbox. Each line is checked to be an event before it is sent: a receiver that fails to parse
 * one line of a batch refuses the whole batch, every time, so a damaged line (what a crash of the
 * machine can leave) is skipped and logged instead.
 */
final class LogReader {

    private static final Logger log = LoggerFactory.getLogger("facteur.events");
    private static final int CHUNK = 2 * EventLog.MAX_EVENT_BYTES; // always holds a whole line, when the file is sound

    /** One event's JSON, and where the line after it starts. */
    record Line(byte[] json, Position end) {}

    /**
     * Lines read, and where the next read starts: after the last line, or past what was skipped
     * (an old file read to its end, a removed file, damaged lines) when there are none.
     */
    record Batch(List<Line> lines, Position next) {}

    /** What the webhook has still to send. */
    record Backlog(long events, long bytes) {
        @Override
        public String toString() {
            return events + " events, " + bytes + " bytes";
        }
    }

    private final EventLog eventLog;

    LogReader(EventLog eventLog) {
        this.eventLog = eventLog;
    }

    /** Up to {@code maxEvents} lines from {@code from}, {@code maxBytes} together at most (but one line always). */
    Batch read(Position from, int maxEvents, int maxBytes) throws IOException {
        Position at = from;
        while (true) {
            EventLog.Readable file;
            try {
                file = eventLog.openForReading(at.file());
            } catch (NoSuchFileException gone) {
                long next = eventLog.fileAfter(at.file());
                log.warn("events: {} is gone: the webhook goes on with file {}", eventLog.files().old(at.file()).getFileName(), next);
                at = new Position(next, 0);
                continue;
            }
            try (file) {
                if (at.offset() > file.end()) {
                    if (file.current()) return new Batch(List.of(), at); // cannot be: the reader never passes the synced end
                    log.warn("events: {} ends at {}, before the webhook's position {}: going on with the next file",
                            eventLog.files().old(at.file()).getFileName(), file.end(), at.offset());
                    at = new Position(eventLog.fileAfter(at.file()), 0);
                    continue;
                }
                List<Line> lines = new ArrayList<>();
                long end = readLines(file, at, maxEvents, maxBytes, lines);
                Position next = new Position(at.file(), end);
                if (!lines.isEmpty() || file.current()) return new Batch(lines, next);
                if (end < file.end()) return new Batch(lines, next); // damaged lines skipped: go on from there next time
                at = new Position(eventLog.fileAfter(at.file()), 0); // an old file read to its end
                if (!at.isAfter(from)) return new Batch(lines, from);
            }
        }
    }

    /** Adds the lines of {@code file} from {@code at} to {@code out}; where it stopped. */
    private static long readLines(EventLog.Readable file, Position at, int maxEvents, int maxBytes, List<Line> out) throws IOException {
        long offset = at.offset();
        long bytes = 0;
        int skipped = 0;
        long firstSkipped = -1;
        ByteBuffer buffer = ByteBuffer.allocate(CHUNK);
        while (offset < file.end() && out.size() < maxEvents) {
            buffer.clear().limit((int) Math.min(CHUNK, file.end() - offset));
            int n = readFully(file.channel(), buffer, offset);
            byte[] chunk = buffer.array();
            int start = 0;
            boolean full = false;
            while (start < n && out.size() < maxEvents) {
                int newline = ByteScan.indexOf(chunk, start, n, (byte) '\n');
                if (newline == n) break; // the rest is in the next chunk, or a line never ended
                byte[] json = Arrays.copyOfRange(chunk, start, newline);
                if (!out.isEmpty() && bytes + json.length + 1 > maxBytes) {
                    full = true;
                    break;
                }
                long end = offset + newline + 1;
                if (isEvent(json)) {
                    out.add(new Line(json, new Position(at.file(), end)));
                    bytes += json.length + 1;
                } else {
                    if (skipped++ == 0) firstSkipped = offset + start;
                }
                start = newline + 1;
            }
            if (start == 0 && !full && out.size() < maxEvents) { // no line end in a whole chunk, or none before the end
                long skipTo = skipPastLine(file, offset + n);
                if (skipped++ == 0) firstSkipped = offset;
                offset = skipTo;
                continue;
            }
            offset += start;
            if (full) break;
        }
        if (skipped > 0)
            log.warn("events: skipped {} damaged lines in file {} from offset {}: they are not events, and would make the receiver refuse"
                    + " their batch", skipped, at.file(), firstSkipped);
        return offset;
    }

    /** The offset after the next line end at or after {@code from}, or the end of the file. */
    private static long skipPastLine(EventLog.Readable file, long from) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(CHUNK);
        for (long at = from; at < file.end(); ) {
            buffer.clear().limit((int) Math.min(CHUNK, file.end() - at));
            int n = readFully(file.channel(), buffer, at);
            int newline = ByteScan.indexOf(buffer.array(), 0, n, (byte) '\n');
            if (newline < n) return at + newline + 1;
            at += n;
        }
        return file.end();
    }

    private static boolean isEvent(byte[] json) {
        try {
            EventJson.read(json);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** How much the webhook has to send from {@code from}: lines and bytes up to the synced end. */
    Backlog backlog(Position from) throws IOException {
        Position end = eventLog.end();
        long events = 0, bytes = 0;
        for (long n = from.file(); n <= end.file(); n = n == end.file() ? n + 1 : eventLog.fileAfter(n)) {
            long offset = n == from.file() ? from.offset() : 0;
            try (EventLog.Readable file = eventLog.openForReading(n)) {
                if (file.channel() == null || offset >= file.end()) continue;
                events += countLines(file.channel(), offset, file.end());
                bytes += file.end() - offset;
            } catch (NoSuchFileException gone) {
                // removed meanwhile: nothing of it left to send
            }
        }
        return new Backlog(events, bytes);
    }

    /** The line ends in {@code [from, to)} of {@code ch}. */
    static long countLines(FileChannel ch, long from, long to) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(CHUNK);
        long lines = 0;
        for (long at = from; at < to; ) {
            buffer.clear().limit((int) Math.min(CHUNK, to - at));
            int n = readFully(ch, buffer, at);
            for (int i = ByteScan.indexOf(buffer.array(), 0, n, (byte) '\n'); i < n; i = ByteScan.indexOf(buffer.array(), i + 1, n, (byte) '\n'))
                lines++;
            at += n;
        }
        return lines;
    }

    /** The offset just after the last line end before {@code size} (0 if there is none): where whole lines end. */
    static long endOfLastLine(FileChannel ch, long size) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(CHUNK);
        for (long to = size; to > 0; ) {
            long from = Math.max(0, to - CHUNK);
            buffer.clear().limit((int) (to - from));
            int n = readFully(ch, buffer, from);
            for (int i = n - 1; i >= 0; i--) if (buffer.array()[i] == '\n') return from + i + 1;
            to = from;
        }
        return 0;
    }

    /** Fills {@code buffer} (to its limit) from {@code offset}; how many bytes, fewer only at the file's end. */
    private static int readFully(FileChannel ch, ByteBuffer buffer, long offset) throws IOException {
        int total = 0;
        while (buffer.hasRemaining()) {
            int n = ch.read(buffer, offset + total);
            if (n < 0) break;
            total += n;
        }
        return total;
    }
}
