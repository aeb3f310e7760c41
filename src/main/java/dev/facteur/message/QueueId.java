package dev.facteur.message;

import java.time.Instant;

/**
 * A queue id: 13 characters of Crockford base32 over 64 bits — 44 bits of milliseconds since the
 * Unix epoch then a 20-bit sequence — so ids are short, unique within a process and sort by
 * arrival time as plain strings.
 */
public record QueueId(long value) implements Comparable<QueueId> {

    private static final String DIGITS = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"; // Crockford base32
    private static final int SEQUENCE_BITS = 20;

    public static QueueId parse(String s) {
        if (s.length() != 13) throw new IllegalArgumentException("queue id must be 13 characters: " + s);
        long v = 0;
        for (int i = 0; i < 13; i++) {
            int d = DIGITS.indexOf(Character.toUpperCase(s.charAt(i)));
            if (d < 0) throw new IllegalArgumentException("bad queue id: " + s);
            v = (v << 5) | d;
        }
        // 13 × 5 = 65 bits: the first digit only carries the top bit.
        return new QueueId(v);
    }

    /** Ids differ mostly in their low time bits; mix them so hash tables spread them out. */
    @Override
    public int hashCode() {
        return Long.hashCode(value * 0x9E3779B97F4A7C15L);
    }

    public Instant timestamp() {
        return Instant.ofEpochMilli(value >>> SEQUENCE_BITS);
    }

    @Override
    public int compareTo(QueueId o) {
        return Long.compareUnsigned(value, o.value);
    }

    @Override
    public String toString() {
        char[] out = new char[13];
        long v = value;
        for (int i = 12; i >= 0; i--) {
            out[i] = DIGITS.charAt((int) (v & 31));
            v >>>= 5;
        }
        return new String(out);
    }

    /** Hands out increasing ids; one per process (cluster nodes will add a node field). */
    public static final class Generator {
        private long last;

        public Generator() {}

        /**
         * A generator whose ids all come after {@code newest}: after a restart, the newest id in the
         * spool. A clock that stepped back across the restart must not hand out an id already queued.
         */
        public Generator(QueueId newest) {
            this.last = newest.value;
        }

        public synchronized QueueId next(long nowMillis) {
            long candidate = nowMillis << SEQUENCE_BITS;
            last = Math.max(candidate, last + 1);
            return new QueueId(last);
        }

        public QueueId next() {
            return next(System.currentTimeMillis());
        }
    }
}
