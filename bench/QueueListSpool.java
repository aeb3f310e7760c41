import dev.facteur.message.Body;
import dev.facteur.message.ClientInfo;
import dev.facteur.message.Envelope;
import dev.facteur.message.Mailbox;
import dev.facteur.message.Notify;
import dev.facteur.message.QueueId;
import dev.facteur.message.Recipient;
import dev.facteur.message.ReversePath;
import dev.facteur.message.Schedule;
import dev.facteur.spool.LogSpool;
import dev.facteur.spool.Spool;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Fills a spool for {@code bench/queue-list.sh}: N queued messages written through
 * {@link LogSpool} as a server writes them (group commit, 64 virtual threads).
 *
 * <pre>
 * java -cp "target/classes:target/lib/*" bench/QueueListSpool.java N DIR
 * </pre>
 *
 * DIR must not hold a spool yet. Message k (deterministic in k): 600 bytes to 4 KB of content,
 * arrival spread over the last three days, 1 to 3 recipients (1: 60 %, 2: 30 %, 3: 10 %). After
 * its MESSAGE record, 40 % get an UPDATE as after a failed attempt: deferred with a diagnostic,
 * and for a third of those with several recipients the first one delivered; 5 % are then held
 * (another UPDATE). Besides the N, one message in ten is written and removed again (MESSAGE then
 * REMOVE records, as for mail delivered at once), so recovery sees every kind of record. Prints
 * what it wrote, and a line "EXPECT messages=... recipients=... deferred=... held=... delivered=..."
 * for the script to check the listing against.
 */
public class QueueListSpool {

    static final int WRITERS = 64;
    static final String[] FIRST = {"alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy",
            "mallory", "niaj", "olivia", "peggy", "rupert", "sybil", "trent", "victor", "walter", "yasmin"};
    static final String[] LAST = {"martin", "bernard", "dubois", "thomas", "robert", "richard", "petit", "durand",
            "leroy", "moreau", "simon", "laurent", "lefebvre", "michel", "garcia", "david"};
    static final String[] DIAGNOSTICS = {
            "451 4.7.1 Greylisted, please try again in 300 seconds",
            "421 4.7.0 Too many connections from your IP, try again later",
            "452 4.2.2 Mailbox full",
            "450 4.2.0 Recipient address rejected: temporarily unavailable",
            "timed out reading the reply to DATA from mx1.example.net[192.0.2.1]",
            "421 4.4.2 Connection to mx1.example.net[192.0.2.1]:25 failed: connect timed out"};
    static final String LOREM = "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor.\r\n";

    public static void main(String[] args) throws Exception {
        long n = Long.parseLong(args[0].replace("_", ""));
        Path dir = Path.of(args[1]);
        if (Files.isDirectory(dir.resolve("segments"))) throw new IllegalStateException(dir + " already holds a spool");
        Instant now = Instant.now();
        var ids = new QueueId.Generator();
        AtomicLong counter = new AtomicLong();
        LongAdder recipients = new LongAdder(), deferred = new LongAdder(), held = new LongAdder(),
                delivered = new LongAdder(), bytes = new LongAdder();
        long t0 = System.nanoTime();
        try (var spool = LogSpool.open(dir); var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> fs = new ArrayList<>();
            for (int w = 0; w < WRITERS; w++) {
                fs.add(pool.submit(() -> {
                    long k;
                    while ((k = counter.getAndIncrement()) < n) {
                        Instant arrival = now.minus(Duration.ofSeconds(3 * 86_400 - k * 3 * 86_400 / n));
                        if (k % 10 == 5) { // delivered at once: in the log, gone from the queue
                            QueueId gone = ids.next(arrival.toEpochMilli());
                            add(spool, envelope(gone, k + n, arrival), content(k + n));
                            spool.remove(gone);
                        }
                        QueueId id = ids.next(arrival.toEpochMilli());
                        Envelope e = envelope(id, k, arrival);
                        byte[] c = content(k);
                        add(spool, e, c);
                        bytes.add(c.length);
                        if (k % 5 < 2) { // tried once, deferred
                            e = deferred(e, k, now);
                            spool.update(e);
                            if (k % 20 == 1) {
                                e = e.withSchedule(e.schedule().withHeld(true));
                                spool.update(e);
                            }
                        }
                        for (Recipient r : e.recipients()) {
                            if (r.state() == Recipient.State.DELIVERED) delivered.increment();
                            else if (r.diagnostic() != null) deferred.increment();
                        }
                        recipients.add(e.recipients().size());
                        if (e.schedule().held()) held.increment();
                        if ((k + 1) % 200_000 == 0) System.out.printf(Locale.ROOT, "  ... %,d messages%n", k + 1);
                    }
                    return null;
                }));
            }
            for (var f : fs) f.get();
        }
        double s = (System.nanoTime() - t0) / 1e9;
        long onDisk;
        try (var files = Files.walk(dir)) {
            onDisk = files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }
        System.out.printf(Locale.ROOT, "wrote %,d messages (%,d content bytes) in %.1f s; spool %,d MiB%n",
                n, bytes.sum(), s, onDisk >> 20);
        System.out.printf(Locale.ROOT, "EXPECT messages=%d recipients=%d deferred=%d held=%d delivered=%d bytes=%d%n",
                n, recipients.sum(), deferred.sum(), held.sum(), delivered.sum(), bytes.sum());
    }

    static void add(Spool spool, Envelope e, byte[] content) throws Exception {
        try (Spool.Draft d = spool.draft(e.id())) {
            d.content().write(content);
            d.commit(e);
        }
    }

    static String domain(long k) {
        return switch ((int) (k % 4)) {
            case 0 -> "gmail.example";
            case 1 -> "mail" + (k % 97) + ".example.com";
            case 2 -> "corp" + (k % 1009) + ".example.net";
            default -> "isp" + (k % 31) + ".example.org";
        };
    }

    static Mailbox person(long k) {
        String local = FIRST[(int) (k % FIRST.length)] + "." + LAST[(int) ((k / 7) % LAST.length)] + (k % 10_000);
        return new Mailbox(local, domain(k / 3));
    }

    static Envelope envelope(QueueId id, long k, Instant arrival) {
        ReversePath sender = k % 50 == 7 ? ReversePath.NULL
                : ReversePath.of(k % 5 == 0 ? new Mailbox("bounce+" + Long.toHexString(k * 2654435761L) + "=list", "news.example.com")
                        : person(k * 31 + 7));
        int n = k % 10 < 6 ? 1 : k % 10 < 9 ? 2 : 3;
        List<Recipient> rs = new ArrayList<>(n);
        for (int i = 0; i < n; i++) rs.add(Recipient.pending(person(k * 13 + i), Notify.DEFAULT, null));
        var client = new ClientInfo("198.51.100." + (k % 200 + 1), "client" + (k % 50) + ".example.net", "ESMTPS", "TLSv1.3");
        return new Envelope(id, arrival, sender, rs, -1, Body.EIGHT_BIT_MIME, false, null, null, client, Schedule.NEW);
    }

    /** After a first attempt: every recipient deferred, or the first delivered and the rest deferred. */
    static Envelope deferred(Envelope e, long k, Instant now) {
        List<Recipient> rs = new ArrayList<>();
        for (int i = 0; i < e.recipients().size(); i++) {
            Recipient r = e.recipients().get(i);
            String mx = "mx1." + r.address().domain();
            rs.add(i == 0 && e.recipients().size() > 1 && k % 3 == 0
                    ? r.after(Recipient.State.DELIVERED, "250 2.0.0 Ok: queued as " + Long.toHexString(k), mx)
                    : r.after(Recipient.State.PENDING, DIAGNOSTICS[(int) ((k + i) % DIAGNOSTICS.length)], mx));
        }
        return e.withRecipients(rs).withSchedule(new Schedule(1, now.plus(Duration.ofMinutes(5 + k % 55)), false, false));
    }

    static byte[] content(long k) {
        int size = 600 + (int) ((k * 7919) % 3500);
        var sb = new StringBuilder(size + 100);
        sb.append("Received: from client").append(k % 50).append(".example.net (client.example.net [198.51.100.7])\r\n")
                .append("\tby bench.facteur.test with ESMTPS id ").append(k).append("\r\n");
        sb.append("From: Sender <sender@example.com>\r\nTo: Someone <someone@example.org>\r\n");
        sb.append("Subject: Benchmark message ").append(k).append("\r\nMessage-ID: <").append(k).append("@example.com>\r\n");
        sb.append("Date: Sat, 28 Nov 2026 04:00:00 +0000\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n");
        while (sb.length() < size - 2) sb.append(LOREM);
        sb.setLength(size - 2);
        sb.append("\r\n");
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }
}
