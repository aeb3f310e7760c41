package dev.facteur.store;

/** How a DNS answer is kept, in the file and in Redis alike: {@code EXPIRY-MS ANSWER}. */
final class AnswerRecord {

    private AnswerRecord() {}

    static String of(String answer, long expiresAt) {
        return expiresAt + " " + answer;
    }

    /** The answer of {@code record} if it is still alive at {@code now}; null for none, a dead one or one that does not read. */
    static String alive(String record, long now) {
        long expiresAt = expiry(record);
        return expiresAt >= now ? record.substring(record.indexOf(' ') + 1) : null;
    }

    /** When {@code record} dies, or {@link Long#MIN_VALUE} when it is null or does not read as a record. */
    static long expiry(String record) {
        if (record == null) return Long.MIN_VALUE;
        int space = record.indexOf(' ');
        try {
            return space < 1 ? Long.MIN_VALUE : Long.parseLong(record, 0, space, 10);
        } catch (NumberFormatException e) {
            return Long.MIN_VALUE;
        }
    }
}
