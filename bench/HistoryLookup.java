import dev.facteur.history.DeliveryHistory;
import dev.facteur.history.HistoryEvent;
import dev.facteur.history.HistoryReader;
import dev.facteur.history.HistorySettings;
import dev.facteur.history.Lookup;
import dev.facteur.history.MessageTrace;
import dev.facteur.message.QueueId;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.stream.Stream;

/**
 * How long {@code facteur trace} takes to find messages in the delivery history, which has no
 * index: the day files are scanned.
 *
 * <pre>
 * java -cp "target/classes:target/lib/*" bench/HistoryLookup.java [EVENTS] [DIR]
 * </pre>
 *
 * Writes EVENTS events (default 1,000,000) through {@link DeliveryHistory}, as a server would over
 * the last 30 days: about 300,000 messages, each an arrival, one to three attempts (a third of the
 * recipients deferred once first, one in fifty refused), a failure DSN for those, and a removal;
 * 20 senders, 100,000 recipients in 2,000 domains. Then times each lookup (one run to warm up, then
 * the median of five; the files are in the page cache, as on a server that wrote them lately):
 * by the queue id of a message of the last day and of the oldest one, by Message-ID, by a rare
 * recipient, by a busy sender (limit 20), and by a domain. DIR (default: a new temporary folder)
 * is removed at the end unless given. Lines starting with "RESULT " are meant for scripts.
 */
public class HistoryLookup {

    static final Instant NOW = Instant.now();
    static final Duration SPAN = Duration.ofDays(30);

    public static void main(String[] args) throws Exception {
        int events = args.length > 0 ? Integer.parseInt(args[0].replace("_", "")) : 1_000_000;
        boolean temporary = args.length < 2;
        Path dir = temporary ? Files.createTempDirectory("history-bench") : Path.of(args[1]);
        try {
            Written w = write(dir, events);
            long bytes;
            try (Stream<Path> files = Files.list(dir)) {
                bytes = files.mapToLong(p -> p.toFile().length()).sum();
            }
            System.out.printf(Locale.ROOT, "wrote %,d events (%,d messages) in %.2f s (%,.0f events/s through record()), %,d files, %.1f MB%n",
                    w.events, w.messages, w.seconds, w.events / w.seconds, dir.toFile().list().length, bytes / 1e6);
            System.out.println("RESULT write_events_per_s " + Math.round(w.events / w.seconds));
            System.out.println("RESULT bytes " + bytes);

            var reader = new HistoryReader(dir);
            time(reader, "queue id, last day", new Lookup.ByQueueId(w.recent), 20);
            time(reader, "queue id, oldest", new Lookup.ByQueueId(w.oldest), 20);
            time(reader, "Message-ID", Lookup.parse(w.messageId), 20);
            time(reader, "rare recipient", Lookup.parse(w.rareRecipient), 20);
            time(reader, "busy sender, limit 20", Lookup.parse("sender7@shop.example"), 20);
            time(reader, "domain, limit 20", Lookup.parse("@d42.example"), 20);
        } finally {
            if (temporary) {
                try (Stream<Path> files = Files.list(dir)) {
                    for (Path p : files.toList()) Files.delete(p);
                }
                Files.delete(dir);
            }
        }
    }

    record Written(long events, long messages, double seconds, QueueId recent, QueueId oldest, String messageId, String rareRecipient) {}

    static Written write(Path dir, int target) throws Exception {
        Random random = new Random(42);
        long start = NOW.minus(SPAN).toEpochMilli();
        long step = SPAN.toMillis() / (target / 3 + 1); // about 3.3 events a message
        long events = 0, messages = 0;
        QueueId recent = null, oldest = null;
        String messageId = null, rare = null;
        long begin = System.nanoTime();
        try (var history = DeliveryHistory.open(new HistorySettings(true, dir, Duration.ofDays(31)), Clock.systemUTC())) {
            for (long t = start; events < target; t += step) {
                QueueId id = new QueueId((t << 20) | (messages & 0xFFFFF));
                Instant at = Instant.ofEpochMilli(t);
                String sender = "sender" + random.nextInt(20) + "@shop.example";
                int n = 1 + (random.nextInt(10) == 0 ? 1 : 0);
                String[] rcpts = new String[n];
                for (int i = 0; i < n; i++) rcpts[i] = "user" + random.nextInt(100_000) + "@d" + random.nextInt(2000) + ".example";
                String mid = "<" + Long.toHexString(random.nextLong()) + "." + messages + "@shop.example>";
                history.record(new HistoryEvent.Received(at, id, mid, sender, Arrays.asList(rcpts), 2000 + random.nextInt(50_000),
                        "192.0.2." + random.nextInt(250), "app" + random.nextInt(5) + ".shop.example", "app.shop.example", "ESMTPSA",
                        "TLSv1.3 TLS_AES_256_GCM_SHA384", "shop"));
                events++;
                List<String> refused = new ArrayList<>();
                for (String r : rcpts) {
                    String mx = "mx." + r.substring(r.indexOf('@') + 1) + "[198.51.100." + random.nextInt(250) + "]:25";
                    int attempt = 1;
                    if (random.nextInt(3) == 0) {
                        history.record(new HistoryEvent.Attempt(at.plusMillis(300), id, r, attempt++, HistoryEvent.Result.DEFERRED, mx,
                                "TLSv1.3 TLS_AES_256_GCM_SHA384 (policy may, certificate not verified)", "451 4.7.1 Greylisted, please try again later"));
                        events++;
                    }
                    boolean refuse = random.nextInt(50) == 0;
                    if (refuse) refused.add(r);
                    history.record(new HistoryEvent.Attempt(at.plusMillis(600), id, r, attempt, refuse ? HistoryEvent.Result.BOUNCED
                            : HistoryEvent.Result.DELIVERED, mx, "TLSv1.3 TLS_AES_256_GCM_SHA384 (policy may, certificate not verified)",
                            refuse ? "550 5.1.1 <" + r + ">: Recipient address rejected: User unknown" : "250 2.0.0 Ok: queued as 4Xy" + messages));
                    events++;
                }
                if (!refused.isEmpty()) {
                    history.record(new HistoryEvent.Dsn(at.plusMillis(700), id, new QueueId(((t + 700) << 20) | (messages & 0xFFFFF)),
                            "failed", sender, refused));
                    events++;
                }
                history.record(new HistoryEvent.Removed(at.plusMillis(700), id, "every recipient done"));
                events++;
                if (oldest == null) oldest = id;
                recent = id;
                if (messages == 150_000 || messageId == null) messageId = mid;
                if (messages == 123_456 || rare == null) rare = rcpts[0];
                messages++;
            }
        }
        double seconds = (System.nanoTime() - begin) / 1e9;
        return new Written(events, messages, seconds, recent, oldest, messageId, rare);
    }

    static void time(HistoryReader reader, String what, Lookup lookup, int limit) throws IOException {
        List<MessageTrace> found = reader.find(lookup, null, limit); // warm-up
        long[] ns = new long[5];
        for (int i = 0; i < ns.length; i++) {
            long t0 = System.nanoTime();
            found = reader.find(lookup, null, limit);
            ns[i] = System.nanoTime() - t0;
        }
        Arrays.sort(ns);
        int events = found.stream().mapToInt(t -> t.events().size()).sum();
        System.out.printf(Locale.ROOT, "%-24s %8.1f ms  (min %.1f, max %.1f)  %d messages, %d events%n", what, ns[2] / 1e6, ns[0] / 1e6,
                ns[4] / 1e6, found.size(), events);
        System.out.println("RESULT lookup_ms " + what.replace(' ', '_').replace(",", "") + " " + String.format(Locale.ROOT, "%.1f", ns[2] / 1e6));
    }
}
