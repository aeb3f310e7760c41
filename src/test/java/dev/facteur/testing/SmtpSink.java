package dev.facteur.testing;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Postfix's smtp-sink as a real receiving MTA for tests, on a loopback address. Each received
 * transaction is dumped to a file (with X-Mail-Args / X-Rcpt-Args lines first).
 */
public final class SmtpSink implements AutoCloseable {

    public static final Path BINARY = Path.of("/usr/sbin/smtp-sink");
    /** The port of sinks whose host the test does not care about. */
    public static final int PORT = 2525;

    private final Daemon daemon;
    private final Path dumpDir;
    private final String host;
    private final int port;
    private boolean closed;

    private SmtpSink(Daemon daemon, Path dumpDir, String host, int port) {
        this.daemon = daemon;
        this.dumpDir = dumpDir;
        this.host = host;
        this.port = port;
    }

    /** Starts smtp-sink on a host of its own with extra options (e.g. "-f", "rcpt", "-8"). */
    public static SmtpSink start(String... options) throws IOException {
        return Daemon.onSomeAddress(() -> start(Loopback.host(), PORT, options));
    }

    /** Starts smtp-sink on host:port (a host of this run, {@link Loopback}) with extra options. */
    public static SmtpSink start(String host, int port, String... options) throws IOException {
        // smtp-sink drops privileges to nobody, who must be able to write the dumps: /tmp, not a private @TempDir.
        Path dump = Files.createTempDirectory(Path.of("/tmp"), "smtp-sink");
        Files.setPosixFilePermissions(dump, PosixFilePermissions.fromString("rwxrwxrwx"));
        List<String> cmd = new ArrayList<>(List.of(BINARY.toString(), "-u", "nobody", "-d", dump + "/%M."));
        cmd.addAll(List.of(options));
        cmd.add(host + ":" + port);
        cmd.add("64");
        var address = new InetSocketAddress(host, port);
        try {
            Daemon d = Daemon.start("smtp-sink on " + host + ":" + port, cmd, dump.resolve("smtp-sink.log"),
                    self -> self.listensOn(address, true) && greets(address));
            return new SmtpSink(d, dump, host, port);
        } catch (IOException e) {
            delete(dump);
            throw e;
        }
    }

    /** A reply line comes (220, or the refusal it was told to greet with). */
    private static boolean greets(InetSocketAddress address) {
        try (Socket s = new Socket()) {
            s.connect(address, (int) Patience.EVENT.toMillis());
            s.setSoTimeout((int) Patience.EVENT.toMillis());
            InputStream in = s.getInputStream();
            byte[] code = in.readNBytes(3);
            return code.length == 3 && Character.isDigit(code[0]);
        } catch (IOException e) {
            return false;
        }
    }

    public String host() {
        return host;
    }

    public int port() {
        return port;
    }

    public InetSocketAddress address() {
        return new InetSocketAddress(host, port);
    }

    /**
     * The transactions received so far, oldest first. smtp-sink creates a transaction's file at
     * MAIL, writes it as the content arrives and closes it at the final dot, before its reply;
     * a file it still holds open is a transaction under way, not (yet) a received message.
     */
    public List<String> messages() throws IOException {
        List<Path> dumps;
        try (Stream<Path> s = Files.list(dumpDir)) {
            dumps = s.filter(f -> !f.getFileName().toString().equals("smtp-sink.log"))
                    .sorted(Comparator.comparing(SmtpSink::modified)).toList();
        }
        Set<Path> open = openFiles(); // after the listing: a file listed and closed since is complete
        List<String> out = new ArrayList<>();
        for (Path p : dumps) {
            if (open.contains(p)) continue;
            try {
                out.add(Files.readString(p, StandardCharsets.ISO_8859_1));
            } catch (NoSuchFileException e) {
                // an aborted transaction (RSET, a lost connection): smtp-sink removed its file
            }
        }
        return out;
    }

    /** The files smtp-sink holds open (Linux: its /proc/PID/fd links). */
    private Set<Path> openFiles() throws IOException {
        Set<Path> open = new HashSet<>();
        try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(daemon.pid()), "fd"))) {
            for (Path fd : fds.toList()) {
                try {
                    open.add(Files.readSymbolicLink(fd));
                } catch (IOException e) {
                    // closed while listed
                }
            }
        } catch (NoSuchFileException e) {
            // smtp-sink has exited: it holds nothing open
        }
        return open;
    }

    @Override
    public synchronized void close() throws IOException {
        if (closed) return;
        closed = true;
        daemon.close();
        delete(dumpDir);
    }

    private static void delete(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }

    private static FileTime modified(Path p) {
        try {
            return Files.getLastModifiedTime(p);
        } catch (IOException e) {
            return FileTime.fromMillis(0);
        }
    }
}
