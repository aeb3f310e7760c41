import dev.facteur.delivery.Attempt;
import dev.facteur.delivery.OutgoingMessage;
import dev.facteur.dsn.DsnWriter;
import dev.facteur.message.Body;
import dev.facteur.message.ClientInfo;
import dev.facteur.message.Envelope;
import dev.facteur.message.Mailbox;
import dev.facteur.message.Notify;
import dev.facteur.message.QueueId;
import dev.facteur.message.Recipient;
import dev.facteur.message.ReversePath;
import dev.facteur.message.Schedule;
import dev.facteur.queue.QueueManager;
import dev.facteur.queue.RetryPolicy;
import dev.facteur.spool.LogSpool;
import dev.facteur.spool.Spool;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import javax.management.ObjectName;

/**
 * How much heap a queue of deferred messages costs, and how long a restart with it takes.
 *
 * <pre>
 * java -Xmx1g -cp "target/classes:target/lib/*" bench/QueueHeap.java [N] [fill|measure|all] [DIR]
 * </pre>
 *
 * fill: a fresh LogSpool in DIR gets N messages (1 KB content, 1-2 recipients), committed by 50
 * virtual threads (group commit), each already deferred (1 attempt, next in 1 hour), as after a
 * failed first attempt. measure: reopens DIR (recovery), starts a QueueManager on it (every
 * message scheduled, none due), collects garbage and reports heap used, times, spool size, and
 * the top of a class histogram. all (default): fill then measure in one JVM. Lines starting with
 * "RESULT " are meant for scripts ({@code bench/queue-heap.sh} runs fill and measure in two JVMs).
 */
public class QueueHeap {

    static final int WRITERS = 50;
    static final String[] FIRST = {"alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy",
            "mallory", "niaj", "olivia", "peggy", "rupert", "sybil", "trent", "victor", "walter", "yasmin"};
    static final String[] LAST = {"martin", "bernard", "dubois", "thomas", "robert", "richard", "petit", "durand",
            "leroy", "moreau", "simon", "laurent", "lefebvre", "michel", "garcia", "david", "bertrand", "roux"};
    static final String[] DIAGNOSTICS = {
            "451 4.7.1 Greylisted, please try again later",
            "421 4.7.0 Try again later, closing connection",
            "452 4.2.2 Mailbox full",
            "421 4.4.2 Connection to mx1.example.net[192.0.2.1]:25 failed: connect timed out",
            "450 4.1.8 Sender address rejected: Domain not found"};

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

    /** A message as it stands after its first attempt failed: deferred for an hour. */
    static Envelope envelope(QueueId id, long k, Instant now, Instant next) {
        Mailbox sender = (k % 5 == 0) ? new Mailbox("bounce+" + Long.toHexString(k * 2654435761L) + "=list", "news.example.com")
                : person(k * 31 + 7);
        List<Recipient> rs = new ArrayList<>(2);
        int n = (k % 3 == 0) ? 2 : 1;
        for (int i = 0; i < n; i++) {
            Mailbox to = person(k * 13 + i);
            rs.add(new Recipient(to, Notify.DEFAULT, null, Recipient.State.PENDING,
                    DIAGNOSTICS[(int) ((k + i) % DIAGNOSTICS.length)], "mx1." + to.domain()));
        }
        var client = new ClientInfo("198.51.100." + (k % 200 + 1), "client" + (k % 50) + ".example.net", "ESMTPS", "TLSv1.3");
        return new Envelope(id, now, ReversePath.of(sender), rs, 1024, Body.EIGHT_BIT_MIME, false, null, null, client,
                new Schedule(1, next, false, false));
    }

    static byte[] content(long k) {
        var sb = new StringBuilder(1100);
        sb.append("Received: from client.example.net (client.example.net [198.51.100.7])\r\n\tby bench.facteur.test with ESMTPS id ")
                .append(k).append("\r\n");
        sb.append("From: Sender <sender@example.com>\r\nTo: Someone <someone@example.org>\r\n");
        sb.append("Subject: Benchmark message ").append(k).append("\r\nMessage-ID: <").append(k).append("@example.com>\r\n");
        sb.append("Date: Sat, 28 Nov 2026 04:00:00 +0000\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n");
        while (sb.length() < 1022) sb.append("Lorem ipsum dolor sit amet, consectetur adipiscing elit.\r\n");
        sb.setLength(1022);
        sb.append("\r\n");
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    static void fill(long n, Path dir) throws Exception {
        Instant now = Instant.now();
        Instant next = now.plus(Duration.ofHours(1));
        var ids = new QueueId.Generator();
        AtomicLong counter = new AtomicLong();
        long t0 = System.nanoTime();
        try (var spool = LogSpool.open(dir); var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> fs = new ArrayList<>();
            for (int w = 0; w < WRITERS; w++) {
                fs.add(pool.submit(() -> {
                    long k;
                    while ((k = counter.getAndIncrement()) < n) {
                        QueueId id = ids.next();
                        try (Spool.Draft d = spool.draft(id)) {
                            d.content().write(content(k));
                            d.commit(envelope(id, k, now, next));
                        }
                        if ((k + 1) % 100_000 == 0) System.out.printf("  ... %,d committed%n", k + 1);
                    }
                    return null;
                }));
            }
            for (var f : fs) f.get();
            long t1 = System.nanoTime();
            System.gc();
            System.gc();
            long used = heapUsed();
            double s = (t1 - t0) / 1e9;
            System.out.printf("fill: %,d messages in %.1f s (%,.0f msg/s, 50 writers); heap used with the spool open: %,d MiB%n",
                    n, s, n / s, used >> 20);
            System.out.printf("RESULT fill_seconds=%.1f fill_rate=%.0f fill_heap_mib=%d%n", s, n / s, used >> 20);
        }
        System.out.printf("spool on disk: %,d MiB%n", diskSize(dir) >> 20);
    }

    static void measure(Path dir) throws Exception {
        System.gc();
        System.gc();
        long base = heapUsed();
        long t0 = System.nanoTime();
        LogSpool spool;
        try {
            spool = LogSpool.open(dir);
        } catch (OutOfMemoryError e) {
            System.out.println("RESULT measure=OOM stage=recovery");
            throw e;
        }
        long t1 = System.nanoTime();
        gc();
        long afterSpool = heapUsed();
        var nowhere = new QueueManager.Deliverer() { // nothing is due: never called
            @Override
            public String destination(Mailbox recipient) {
                return recipient.domainKey();
            }

            @Override
            public List<Attempt> deliver(Envelope envelope, long size, OutgoingMessage.Content content, List<Integer> recipients) {
                return List.of();
            }
        };
        var qm = new QueueManager(spool, nowhere, new DsnWriter("bench.facteur.test", ZoneOffset.UTC),
                "bench.facteur.test", new QueueId.Generator(), RetryPolicy.DEFAULT, Clock.systemUTC(), 10, 10);
        long t2 = System.nanoTime();
        try {
            qm.start();
        } catch (OutOfMemoryError e) {
            System.out.println("RESULT measure=OOM stage=queue-start");
            throw e;
        }
        long t3 = System.nanoTime();
        gc();
        long used = heapUsed();
        long n = qm.scheduled();
        long max = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getMax();
        long disk = diskSize(dir);
        System.out.printf("recovery (LogSpool.open): %.2f s; QueueManager.start: %.2f s; scheduled: %,d%n",
                (t1 - t0) / 1e9, (t3 - t2) / 1e9, n);
        System.out.printf("heap used after GC: %,d MiB total (of max %,d MiB); baseline %,d MiB; spool index %,d MiB;"
                        + " + queue %,d MiB%n", used >> 20, max >> 20, base >> 20, (afterSpool - base) >> 20,
                (used - afterSpool) >> 20);
        if (n > 0) System.out.printf("per message: %,d bytes (spool index %,d + due queue %,d)%n", (used - base) / n,
                (afterSpool - base) / n, (used - afterSpool) / n);
        System.out.printf("spool on disk: %,d MiB (%,d bytes per message)%n", disk >> 20, n > 0 ? disk / n : 0);
        System.out.printf("RESULT n=%d recovery_s=%.2f start_s=%.2f heap_mib=%d base_mib=%d spool_index_mib=%d queue_mib=%d"
                        + " bytes_per_msg=%d max_heap_mib=%d disk_mib=%d%n",
                n, (t1 - t0) / 1e9, (t3 - t2) / 1e9, used >> 20, base >> 20, (afterSpool - base) >> 20,
                (used - afterSpool) >> 20, n > 0 ? (used - base) / n : 0, max >> 20, disk >> 20);
        System.out.println("class histogram (live objects, top 25):");
        String histo = (String) ManagementFactory.getPlatformMBeanServer().invoke(
                new ObjectName("com.sun.management:type=DiagnosticCommand"), "gcClassHistogram",
                new Object[] {null}, new String[] {String[].class.getName()});
        histo.lines().limit(28).forEach(l -> System.out.println("  " + l));
        histo.lines().filter(l -> l.startsWith("Total")).forEach(l -> System.out.println("  " + l));
        qm.close();
        spool.close();
    }

    static void gc() {
        for (int i = 0; i < 3; i++) System.gc();
    }

    static long heapUsed() {
        MemoryMXBean m = ManagementFactory.getMemoryMXBean();
        return m.getHeapMemoryUsage().getUsed();
    }

    static long diskSize(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).mapToLong(p -> {
                try {
                    return Files.size(p);
                } catch (IOException e) {
                    return 0;
                }
            }).sum();
        }
    }

    public static void main(String[] args) throws Exception {
        long n = args.length > 0 ? Long.parseLong(args[0].replace("_", "")) : 1_000_000;
        String phase = args.length > 1 ? args[1] : "all";
        boolean temp = args.length <= 2;
        Path dir = temp ? Files.createTempDirectory("queue-heap") : Path.of(args[2]);
        System.out.printf("QueueHeap: N=%,d phase=%s dir=%s; max heap %,d MiB; %s%n", n, phase, dir,
                Runtime.getRuntime().maxMemory() >> 20, System.getProperty("java.vm.version"));
        try {
            switch (phase) {
                case "fill" -> fill(n, dir);
                case "measure" -> measure(dir);
                case "all" -> {
                    fill(n, dir);
                    measure(dir);
                }
                default -> throw new IllegalArgumentException("phase must be fill, measure or all: " + phase);
            }
        } finally {
            if (temp) {
                try (Stream<Path> s = Files.walk(dir)) {
                    s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            }
        }
        System.exit(0); // the queue dispatcher and spool writer are daemon threads; logback may not be
    }
}
