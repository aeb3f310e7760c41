package dev.facteur.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Loopback addresses that stand for hosts, and that no other test run uses. Each JVM leases a
 * block 127.N.0.0/16 for its lifetime (an exclusive lock on {@code /tmp/facteur-tests/127.N.lock},
 * which the system drops when the JVM ends, however it ends), and hands out its addresses one by
 * one. Two runs at once (two worktrees, or the unit and integration JVMs) never share a host, so
 * a fixed port on a host of ours is free, and a host nobody started a peer on is down.
 *
 * <p>A block where something still listens (a daemon left by a run that was killed) is passed
 * over. Peers that can bind port 0 do so and say which port they got; only those that cannot
 * (smtp-sink, dnsmasq, Dovecot, or a port all MX hosts share) use a fixed port on a fresh host.
 */
public final class Loopback {

    private static final Path LOCKS = Path.of("/tmp/facteur-tests");
    private static final int FIRST_BLOCK = 20;
    private static final int LAST_BLOCK = 250;
    private static final int HOSTS = 254 * 256;

    private static final Lease LEASE = lease();
    private static final AtomicInteger NEXT = new AtomicInteger();

    private Loopback() {}

    private record Lease(int block, FileChannel file, FileLock lock) {}

    /** The second octet of this JVM's block 127.N.0.0/16. */
    public static int block() {
        return LEASE.block();
    }

    /** An address of this JVM's block that nothing was given before: a host of its own. */
    public static String host() {
        int n = NEXT.getAndIncrement();
        if (n >= HOSTS) throw new IllegalStateException("out of loopback hosts in 127." + block() + ".0.0/16");
        return "127." + block() + "." + (n / 254) + "." + (n % 254 + 1);
    }

    private static Lease lease() {
        try {
            Files.createDirectories(LOCKS);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot make " + LOCKS, e);
        }
        int span = LAST_BLOCK - FIRST_BLOCK + 1;
        int start = ThreadLocalRandom.current().nextInt(span);
        for (int i = 0; i < span; i++) {
            int block = FIRST_BLOCK + (start + i) % span;
            Path file = LOCKS.resolve("127." + block + ".lock");
            FileChannel channel = null;
            try {
                channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                FileLock lock = channel.tryLock();
                if (lock != null && boundIn(block).isEmpty()) {
                    channel.truncate(0).write(StandardCharsets.US_ASCII.encode(ProcessHandle.current().pid() + "\n"));
                    return new Lease(block, channel, lock);
                }
            } catch (IOException e) {
                // another user's lock file, or a full /tmp: try the next block
            }
            try {
                if (channel != null) channel.close(); // drops the lock too
            } catch (IOException ignored) {
                // nothing held
            }
        }
        throw new IllegalStateException("no free loopback block 127.N.0.0/16 (locks in " + LOCKS + ")");
    }

    /** The sockets bound to an address of block N, as "tcp 127.N.x.y:port" (any state). */
    static List<String> boundIn(int block) throws IOException {
        List<String> found = new ArrayList<>();
        for (String kind : List.of("tcp", "udp")) {
            for (String[] f : sockets(kind)) {
                String local = ipv4(f[1]);
                if (local != null && local.startsWith("127." + block + ".")) found.add(kind + " " + local);
            }
        }
        return found;
    }

    /**
     * The inodes of the sockets bound to {@code address} ({@code tcp}: listening TCP sockets,
     * else UDP sockets), from {@code /proc/net}: a daemon's readiness check compares them with
     * the sockets its own process holds. A Java server's socket is an IPv6 one bound to the
     * IPv4-mapped address; both count.
     */
    static Set<Long> socketInodes(InetSocketAddress address, boolean tcp) throws IOException {
        String want = address.getAddress().getHostAddress() + ":" + address.getPort();
        Set<Long> inodes = new HashSet<>();
        for (String[] f : sockets(tcp ? "tcp" : "udp")) {
            if (!want.equals(ipv4(f[1]))) continue;
            if (tcp && !f[3].equals("0A")) continue; // LISTEN
            inodes.add(Long.parseLong(f[9]));
        }
        return inodes;
    }

    /** The lines of /proc/net/KIND and /proc/net/KIND6, split into fields. */
    private static List<String[]> sockets(String kind) throws IOException {
        List<String[]> all = new ArrayList<>();
        for (String file : List.of(kind, kind + "6")) {
            Path p = Path.of("/proc/net", file);
            if (!Files.exists(p)) continue;
            Files.readAllLines(p).stream().skip(1).map(l -> l.strip().split("\\s+")).forEach(all::add);
        }
        return all;
    }

    /**
     * "0100007F:09DE" (or its IPv4-mapped IPv6 form, "0000000000000000FFFF00000100007F:09DE") is
     * "127.0.0.1:2526": each 32-bit word in the host's (little-endian) order. Null for other IPv6.
     */
    private static String ipv4(String proc) {
        int colon = proc.indexOf(':');
        String hex = proc.substring(0, colon);
        if (hex.length() == 32) {
            if (!hex.startsWith("0000000000000000FFFF0000")) return null;
            hex = hex.substring(24);
        }
        if (hex.length() != 8) return null;
        long v = Long.parseLong(hex, 16);
        return (v & 0xff) + "." + ((v >> 8) & 0xff) + "." + ((v >> 16) & 0xff) + "." + ((v >> 24) & 0xff)
                + ":" + Integer.parseInt(proc.substring(colon + 1), 16);
    }
}
