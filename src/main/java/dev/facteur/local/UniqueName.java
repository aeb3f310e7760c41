package dev.facteur.local;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Maildir unique names as cr.yp.to/proto/maildir.html recommends: {@code time.MusecPpidQn.host}.
 * Seconds and microseconds tell deliveries apart over time, the pid tells processes apart, the
 * per-process counter {@code Q} tells apart deliveries in the same microsecond (virtual threads
 * make that common), and the host name tells apart machines sharing the directory over NFS.
 */
final class UniqueName {

    private static final long PID = ProcessHandle.current().pid();
    private static final String HOST = encodeHost(hostName());
    private static final AtomicLong DELIVERIES = new AtomicLong();

    private UniqueName() {}

    static String next() {
        Instant now = Instant.now();
        return now.getEpochSecond() + ".M" + now.getNano() / 1000 + "P" + PID + "Q" + DELIVERIES.incrementAndGet()
                + "." + HOST;
    }

    /** "replace / with \057 and : with \072": a slash would be a path, a colon starts the info part. */
    static String encodeHost(String host) {
        return host.replace("/", "\\057").replace(":", "\\072");
    }

    /** The kernel's name for this machine (gethostname), without a DNS lookup that may hang or fail. */
    private static String hostName() {
        try {
            String name = Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
            if (!name.isEmpty()) return name;
        } catch (IOException e) {
            // not Linux: ask the JDK
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "localhost";
        }
    }
}
