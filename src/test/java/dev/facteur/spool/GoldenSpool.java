package dev.facteur.spool;

import dev.facteur.message.Body;
import dev.facteur.message.ClientInfo;
import dev.facteur.message.Envelope;
import dev.facteur.message.Mailbox;
import dev.facteur.message.Notify;
import dev.facteur.message.QueueId;
import dev.facteur.message.Recipient;
import dev.facteur.message.Ret;
import dev.facteur.message.ReversePath;
import dev.facteur.message.Schedule;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The messages of the golden spools under {@code src/test/resources/dev/facteur/spool/golden/}:
 * every record kind and every field variant the envelope can carry. {@link #main} wrote them with
 * the code of its day; the files are never written again, so that {@code GoldenSpoolTest} shows
 * any later code still reads what earlier code wrote:
 * <ul>
 * <li>{@code format-1}: the code of 2026-12-01 (commit 3b52754): MESSAGE, UPDATE, REMOVE records,
 *     envelope versions 2 and 3, one message in {@code large/};
 * <li>{@code format-2}: the code of the spool hardening, which heads every segment with a SEGMENT
 *     record and writes several changes as one COMMIT record: the same messages, and two DSNs
 *     committed with the new state of their message (one inline with an UPDATE, one with a
 *     REMOVE), in small segments, so one segment says it was started because the last was full.
 * </ul>
 */
final class GoldenSpool {

    private static final long T = 1_790_000_000_000L;

    private GoldenSpool() {}

    static QueueId id(int n) {
        return new QueueId((T + n) << 20 | n);
    }

    static byte[] content(int n) {
        if (n == 5) { // over LogSpool.INLINE_LIMIT: its own file in large/
            var sb = new StringBuilder("Subject: golden 5 (large)\r\n\r\n");
            for (int i = 0; sb.length() < 1_100_000; i++) sb.append("line ").append(i).append(" of a large message\r\n");
            return sb.toString().getBytes(StandardCharsets.US_ASCII);
        }
        return ("Received: from client.example (golden)\r\nSubject: golden " + n + "\r\n\r\nbody of message " + n + "\r\n")
                .getBytes(StandardCharsets.US_ASCII);
    }

    private static final ClientInfo TLS_CLIENT = new ClientInfo("192.0.2.7", "client.example", "ESMTPS",
            "TLSv1.3 TLS_AES_256_GCM_SHA384");
    private static final ClientInfo PLAIN_CLIENT = new ClientInfo("127.0.0.1", "", "SMTP", "");

    /** As received: every message's envelope when its MESSAGE record was written. */
    static Envelope received(int n) {
        return switch (n) {
            // A sender with a quoted local part, DSN parameters of every kind, 8BITMIME, TLS.
            case 1 -> new Envelope(id(1), Instant.ofEpochMilli(T + 1), ReversePath.of(new Mailbox("\"a b\"", "example.org")),
                    List.of(new Recipient(new Mailbox("x", "example.test"), new Notify(EnumSet.of(Notify.Condition.SUCCESS), true),
                                    "rfc822;x@example.test", Recipient.State.PENDING),
                            Recipient.pending(new Mailbox("y", "example.test"), Notify.DEFAULT, null),
                            Recipient.pending(new Mailbox("z", "[192.0.2.1]"),
                                    new Notify(EnumSet.of(Notify.Condition.SUCCESS, Notify.Condition.FAILURE, Notify.Condition.DELAY), true),
                                    "utf-8;z@[192.0.2.1]")),
                    1234, Body.EIGHT_BIT_MIME, false, Ret.HDRS, "env+2Bid", TLS_CLIENT);
            // A bounce: null reverse path, NOTIFY=NEVER, no RET, no ENVID, no SIZE, no TLS.
            case 2 -> new Envelope(id(2), Instant.ofEpochMilli(T + 2), ReversePath.NULL,
                    List.of(Recipient.pending(new Mailbox("sender", "example.org"), Notify.never(), null)),
                    -1, Body.SEVEN_BIT, false, null, null, PLAIN_CLIENT);
            // SMTPUTF8 with UTF-8 addresses, BINARYMIME, RET=FULL, NOTIFY=FAILURE,DELAY given explicitly.
            case 3 -> new Envelope(id(3), Instant.ofEpochMilli(T + 3), ReversePath.of(new Mailbox("josé", "exämple.org")),
                    List.of(Recipient.pending(new Mailbox("用户", "例子.测试"),
                            new Notify(EnumSet.of(Notify.Condition.FAILURE, Notify.Condition.DELAY), true), "utf-8;用户@例子.测试")),
                    99, Body.BINARY_MIME, true, Ret.FULL, "ENV3", TLS_CLIENT);
            // An alias expanded (envelope version 3) into two members that carry its ORCPT.
            case 4 -> new Envelope(id(4), Instant.ofEpochMilli(T + 4), ReversePath.of(new Mailbox("a", "example.org")),
                    List.of(new Recipient(new Mailbox("team", "example.test"), new Notify(EnumSet.of(Notify.Condition.SUCCESS), true),
                                    null, Recipient.State.EXPANDED, "250 2.0.0 Expanded to 2 recipients", null),
                            Recipient.pending(new Mailbox("m1", "example.test"), Notify.DEFAULT, "rfc822;team@example.test"),
                            Recipient.pending(new Mailbox("m2", "example.test"), Notify.DEFAULT, "rfc822;team@example.test")),
                    -1, Body.SEVEN_BIT, false, null, null, PLAIN_CLIENT);
            // Over 1 MB (content in large/), to the bare Postmaster (a mailbox without a domain).
            case 5 -> new Envelope(id(5), Instant.ofEpochMilli(T + 5), ReversePath.of(new Mailbox("big", "example.org")),
                    List.of(Recipient.pending(Mailbox.postmaster(), Notify.DEFAULT, null)),
                    1_100_000, Body.SEVEN_BIT, false, null, null, PLAIN_CLIENT);
            // Updated twice: the later update is the one that counts. NOTIFY=DELAY only.
            case 6 -> new Envelope(id(6), Instant.ofEpochMilli(T + 6), ReversePath.of(new Mailbox("b", "example.org")),
                    List.of(Recipient.pending(new Mailbox("w", "example.test"), new Notify(EnumSet.of(Notify.Condition.DELAY), true), null),
                            Recipient.pending(new Mailbox("v", "example.test"), Notify.DEFAULT, null)),
                    -1, Body.SEVEN_BIT, false, null, null, PLAIN_CLIENT);
            // Delivered and removed in the same segment it arrived in.
            case 7 -> new Envelope(id(7), Instant.ofEpochMilli(T + 7), ReversePath.of(new Mailbox("c", "example.org")),
                    List.of(Recipient.pending(new Mailbox("u", "example.test"), Notify.DEFAULT, null)),
                    -1, Body.SEVEN_BIT, false, null, null, PLAIN_CLIENT);
            default -> throw new IllegalArgumentException("no golden message " + n);
        };
    }

    /** The last state recorded for the messages still in the spool, in queue id order. */
    static Map<QueueId, Envelope> expected() { // format 1
        Map<QueueId, Envelope> out = new LinkedHashMap<>();
        out.put(id(1), update1());
        out.put(id(3), update3());
        out.put(id(4), received(4));
        out.put(id(5), received(5));
        out.put(id(6), secondUpdate6());
        return out;
    }

    /** The queue ids whose messages were removed. */
    static Set<QueueId> removed() {
        return Set.of(id(2), id(7));
    }

    // Every recipient state, with diagnostics and the server that gave them, and a schedule.
    static Envelope update1() {
        Envelope e = received(1);
        List<Recipient> rs = e.recipients();
        return e.withRecipients(List.of(
                        rs.get(0).after(Recipient.State.DELIVERED, "250 2.0.0 Ok: queued as 4XyZ", "mx1.example.test"),
                        rs.get(1).after(Recipient.State.FAILED, "550 5.1.1 <y@example.test>: User unknown", "mx1.example.test"),
                        rs.get(2).after(Recipient.State.PENDING, "451 4.4.1 Connection timed out", "[192.0.2.1]")))
                .withSchedule(new Schedule(2, Instant.ofEpochMilli(T + 600_000), false, true));
    }

    // Held by the operator.
    static Envelope update3() {
        Envelope e = received(3);
        return e.withSchedule(new Schedule(1, Instant.ofEpochMilli(T + 300_000), true, false));
    }

    static Envelope firstUpdate6() {
        Envelope e = received(6);
        return e.withSchedule(e.schedule().retryAt(Instant.ofEpochMilli(T + 60_000)));
    }

    static Envelope secondUpdate6() {
        Envelope e = firstUpdate6();
        List<Recipient> rs = e.recipients();
        return e.withRecipients(List.of(rs.get(0), rs.get(1).after(Recipient.State.DELIVERED, "250 ok", "mx2.example.test")))
                .withSchedule(e.schedule().retryAt(Instant.ofEpochMilli(T + 120_000)));
    }

    static void store(Spool spool, int n) throws IOException {
        try (Spool.Draft d = spool.draft(id(n))) {
            d.content().write(content(n));
            d.commit(received(n));
        }
    }

    /** The DSNs of format 2, each committed in one COMMIT record with the new state of the message it reports on. */
    static Envelope dsn(int n) {
        return new Envelope(id(n), Instant.ofEpochMilli(T + n), ReversePath.NULL,
                List.of(Recipient.pending(new Mailbox(n == 8 ? "c" : "josé", n == 8 ? "example.org" : "exämple.org"), Notify.never(), null)),
                -1, Body.EIGHT_BIT_MIME, n == 9, null, null, new ClientInfo("127.0.0.1", "golden.example", "local", ""));
    }

    /** The messages a golden spool of {@code format} holds, with their last recorded state, in queue id order. */
    static Map<QueueId, Envelope> expected(String format) {
        Map<QueueId, Envelope> out = expected();
        if (format.equals("format-2")) {
            out.put(id(8), dsn(8));
            out.put(id(9), dsn(9));
        }
        return out;
    }

    /**
     * Writes the golden spool of the current format into the directory {@code args[0]}: two runs
     * of the server, the second with small segments so that its last record starts a segment
     * because the one before was full. (Format 1 was written by the same steps, with plain UPDATE and REMOVE
     * records where these write COMMIT records, by the code of commit 3b52754.)
     */
    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args[0]);
        try (var spool = LogSpool.open(dir)) {
            for (int n = 1; n <= 4; n++) store(spool, n);
            spool.update(update1());
            spool.remove(id(2));
        }
        try (var spool = LogSpool.open(dir, 1600)) {
            store(spool, 5);
            store(spool, 6);
            store(spool, 7);
            spool.update(firstUpdate6());
            try (Spool.Draft d = spool.draft(id(9))) { // a delay DSN and the hold, together
                d.content().write(content(9));
                spool.commit(List.of(new Spool.Change.Add(d, dsn(9)), new Spool.Change.Update(update3())));
            }
            try (Spool.Draft d = spool.draft(id(8))) { // a success DSN and the removal of its message, together
                d.content().write(content(8));
                spool.commit(List.of(new Spool.Change.Add(d, dsn(8)), new Spool.Change.Remove(id(7))));
            }
            spool.update(secondUpdate6()); // no room left in segment 2: segment 3, started because 2 was full
        }
    }
}
