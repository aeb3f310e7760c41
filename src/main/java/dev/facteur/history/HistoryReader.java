package dev.facteur.history;

import dev.facteur.message.QueueId;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * Finds messages in the history. No index: the day files are scanned, oldest first, and a line
 * is parsed only when it contains what is looked for, or names a message already found. Since a
 * message's first event (its arrival, or for a DSN the DSN event of the message it reports on)
 * names its queue id, sender, recipients and Message-ID, a message found is found from its first
 * event on, and its later events are looked for until its removal, its last. Reading while the
 * server writes is safe: a last line still being written has no line feed yet, and is left for
 * the next look.
 *
 * <p>Bounded: at most {@code limit} messages are kept, those with the newest queue ids (the latest
 * arrivals), so memory stays small however common an address is.
 */
public final class HistoryReader {

    private static final int CHUNK = 4 << 20;

    private final HistoryFiles files;

    public HistoryReader(Path dir) {
        this.files = new HistoryFiles(dir);
    }

    /**
     * The messages {@code lookup} finds, newest first, with their events since {@code since}
     * (null: as far back as the history goes); at most {@code limit} of them.
     */
    public List<MessageTrace> find(Lookup lookup, Instant since, int limit) throws IOException {
        if (limit < 1) throw new IllegalArgumentException("limit must be at least 1: " + limit);
        LocalDate first = lookup.firstDay().orElse(LocalDate.MIN);
        if (since != null && HistoryFiles.dayOf(since).isAfter(first)) first = HistoryFiles.dayOf(since);
        var search = new Search(lookup, since, limit);
        for (LocalDate d : files.days()) {
            if (!d.isBefore(first) && !search.done()) search.scan(files.of(d));
        }
        return search.result();
    }

    /**
     * Every event from {@code from} (inclusive) to {@code until} (exclusive), in the order the
     * files hold them, to {@code each}: what was recorded before a restart, for what counts again
     * from it. Lines that do not read (cut short by a crash, written by a newer version) are passed over.
     */
    public void replay(Instant from, Instant until, Consumer<HistoryEvent> each) throws IOException {
        LocalDate first = HistoryFiles.dayOf(from);
        LocalDate last = HistoryFiles.dayOf(until);
        for (LocalDate d : files.days()) {
            if (d.isBefore(first) || d.isAfter(last)) continue;
            InputStream in;
            try {
                in = Files.newInputStream(files.of(d));
            } catch (NoSuchFileException e) {
                continue; // removed meanwhile: it was old enough
            }
            try (var lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8), 1 << 16)) {
                for (String line; (line = lines.readLine()) != null; ) {
                    var e = HistoryLine.read(line);
                    if (e.isPresent() && !e.get().time().isBefore(from) && e.get().time().isBefore(until)) each.accept(e.get());
                }
            }
        }
    }

    /** One look through the files: what is found so far. */
    private static final class Search {
        private final Lookup lookup;
        private final String[] needles;
        private final Instant since;
        private final int limit;
        /** The messages kept, by queue id: the newest {@code limit} found. */
        private final TreeMap<QueueId, List<HistoryEvent>> kept = new TreeMap<>();
        /** The messages kept that have not left the queue yet: only their events can still come. */
        private final Set<QueueId> live = new HashSet<>();
        /** Messages at or below this id were found and dropped for newer ones: their later events are no longer wanted. */
        private QueueId floor;
        /** The one message looked for by its queue id has left the queue: nothing of it can follow. */
        private boolean done;

        Search(Lookup lookup, Instant since, int limit) {
            this.lookup = lookup;
            this.needles = lookup.needles().stream().distinct().toArray(String[]::new);
            this.since = since;
            this.limit = limit;
        }

        void scan(Path file) throws IOException {
            FileChannel ch;
            try {
                ch = FileChannel.open(file, StandardOpenOption.READ);
            } catch (NoSuchFileException e) {
                return; // removed meanwhile: it was old enough
            }
            try (ch) {
                byte[] buf = new byte[CHUNK];
                byte[] lower = new byte[CHUNK];
                int filled = 0;
                while (!done) {
                    int n = ch.read(ByteBuffer.wrap(buf, filled, buf.length - filled));
                    if (n < 0) break; // what is left has no line feed: cut off by a crash, or still being written
                    filled += n;
                    int end = lastIndexOf(buf, (byte) '\n', filled) + 1; // whole lines only
                    if (end > 0) {
                        if (lower.length < buf.length) lower = new byte[buf.length];
                        lines(buf, lower, end);
                    }
                    if (end == 0 && filled == buf.length) buf = Arrays.copyOf(buf, buf.length * 2); // a very long line
                    else {
                        System.arraycopy(buf, end, buf, 0, filled - end);
                        filled -= end;
                    }
                }
            }
        }

        /**
         * The whole lines of {@code b[0, end)}, in order. The needles are looked for in the whole
         * chunk at once, lower case (String.indexOf on Latin-1 text is one of the JVM's vectorised
         * intrinsics); a line is looked at only when it holds one, or once messages are kept, when
         * it may be one of theirs.
         */
        private void lines(byte[] b, byte[] lower, int end) {
            for (int i = 0; i < end; i++) {
                byte c = b[i];
                lower[i] = c >= 'A' && c <= 'Z' ? (byte) (c | 0x20) : c;
            }
            String text = new String(lower, 0, end, StandardCharsets.ISO_8859_1);
            int[] hits = hits(text);
            int h = 0;
            for (int at = 0; at < end && !done; ) {
                if (live.isEmpty()) { // only lines with a needle can matter
                    if (h == hits.length) return;
                    at = hits[h];
                }
                int nl = text.indexOf('\n', at);
                boolean candidate = h < hits.length && hits[h] == at;
                if (candidate) h++;
                if (candidate || ofKept(b, at, nl)) line(b, at, nl, candidate);
                at = nl + 1;
            }
        }

        /** Where the lines that hold a needle start, in order. */
        private int[] hits(String text) {
            var starts = new java.util.TreeSet<Integer>();
            for (String n : needles) {
                for (int i = text.indexOf(n); i >= 0; ) {
                    int lineStart = text.lastIndexOf('\n', i) + 1;
                    int lineEnd = text.indexOf('\n', i);
                    starts.add(lineStart);
                    i = text.indexOf(n, lineEnd + 1);
                }
            }
            return starts.stream().mapToInt(Integer::intValue).toArray();
        }

        private void line(byte[] b, int from, int to, boolean candidate) {
            Optional<HistoryEvent> parsed = HistoryLine.read(new String(b, from, to - from, StandardCharsets.UTF_8));
            if (parsed.isEmpty()) return;
            HistoryEvent e = parsed.get();
            if (since != null && e.time().isBefore(since)) return;
            Set<QueueId> into = new HashSet<>();
            if (candidate) into.addAll(lookup.finds(e));
            for (QueueId o : e.owners()) if (live.contains(o)) into.add(o);
            for (QueueId id : into) keep(id, e);
            // a message's removal is its last event: looking for it alone, the search ends there
            if (lookup instanceof Lookup.ByQueueId && !kept.isEmpty() && live.isEmpty()) done = true;
        }

        boolean done() {
            return done;
        }

        private void keep(QueueId id, HistoryEvent e) {
            if (floor != null && id.compareTo(floor) <= 0) return;
            if (!kept.containsKey(id)) live.add(id);
            kept.computeIfAbsent(id, k -> new ArrayList<>()).add(e);
            if (e instanceof HistoryEvent.Removed r && r.queueId().equals(id)) live.remove(id);
            if (kept.size() > limit) {
                QueueId oldest = kept.firstKey();
                kept.remove(oldest);
                live.remove(oldest);
                floor = floor == null || oldest.compareTo(floor) > 0 ? oldest : floor;
            }
        }

        /** Whether the line may be an event of a message kept and still live: its queue id (or a DSN event's DSN id) is one of theirs. */
        private boolean ofKept(byte[] b, int from, int to) {
            if (live.isEmpty()) return false;
            QueueId q = queueIdAt(b, from, to);
            if (q != null && live.contains(q)) return true;
            // a DSN event belongs to the DSN message too; they are few, so parsing each is cheap
            return isDsn(b, from, to);
        }

        List<MessageTrace> result() {
            List<MessageTrace> out = new ArrayList<>();
            for (Map.Entry<QueueId, List<HistoryEvent>> e : kept.descendingMap().entrySet())
                out.add(new MessageTrace(e.getKey(), e.getValue(), Optional.empty()));
            return out;
        }
    }

    /** {@code ","e":"dsn"} where every line has its event type, right after the queue id. */
    private static final byte[] DSN_EVENT = "\",\"e\":\"dsn\"".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] QUEUE_ID_FIELD = "\"q\":\"".getBytes(StandardCharsets.US_ASCII);
    private static final String DIGITS = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    private static final byte[] VALUE = new byte[128];

    static {
        Arrays.fill(VALUE, (byte) -1);
        for (int i = 0; i < DIGITS.length(); i++) VALUE[DIGITS.charAt(i)] = (byte) i;
    }

    /** The queue id every line carries at the same place ({@link HistoryLine#QUEUE_ID_AT}), read without making a string; null if it is not there. */
    static QueueId queueIdAt(byte[] b, int from, int to) {
        int at = from + HistoryLine.QUEUE_ID_AT;
        if (at + HistoryLine.QUEUE_ID_LENGTH > to) return null;
        for (int i = 0; i < QUEUE_ID_FIELD.length; i++) if (b[at - QUEUE_ID_FIELD.length + i] != QUEUE_ID_FIELD[i]) return null;
        long v = 0;
        for (int i = 0; i < HistoryLine.QUEUE_ID_LENGTH; i++) {
            int c = b[at + i];
            if (c < 0 || VALUE[c] < 0) return null;
            v = (v << 5) | VALUE[c];
        }
        return new QueueId(v);
    }

    private static boolean isDsn(byte[] b, int from, int to) {
        int at = from + HistoryLine.QUEUE_ID_AT + HistoryLine.QUEUE_ID_LENGTH;
        if (at + DSN_EVENT.length > to) return false;
        for (int i = 0; i < DSN_EVENT.length; i++) if (b[at + i] != DSN_EVENT[i]) return false;
        return true;
    }

    private static int lastIndexOf(byte[] b, byte x, int to) {
        for (int i = to - 1; i >= 0; i--) if (b[i] == x) return i;
        return -1;
    }
}
