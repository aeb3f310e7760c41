package dev.facteur.testing;

import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Postfix's smtp-sink as a real receiving MTA for tests, on a loopback address of our choice.
 * Each received transaction is dumped to a file (with X-Mail-Args / X-Rcpt-Args lines first).
 */
public final class SmtpSink implements AutoCloseable {

    public static final Path BINARY = Path.of("/usr/sbin/smtp-sink");

    private final Process process;
    private final Path dumpDir;
    private final String host;
    private final int port;

    private SmtpSink(Process process, Path dumpDir, String host, int port) {
        this.process = process;
        this.dumpDir = dumpDir;
        this.host = host;
        this.port = port;
    }

    /** Starts smtp-sink on host:port with extra options (e.g. "-f", "rcpt", "-8"). */
    public static SmtpSink start(String host, int port, String... options) throws IOException {
        Path dump = Files.createTempDirectory(Path.of("/tmp"), "smtp-sink");
        // smtp-sink drops privileges to nobody, who must be able to write the dumps.
        Files.setPosixFilePermissions(dump, PosixFilePermissions.fromString("rwxrwxrwx"));
        List<String> cmd = new ArrayList<>(List.of(BINARY.toString(), "-u", "nobody", "-d", dump + "/%M."));
        cmd.addAll(List.of(options));
        cmd.add(host + ":" + port);
        cmd.add("64");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dump.resolve("smtp-sink.log").toFile()).start();
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (true) {
            try (Socket s = new Socket(host, port)) {
                break;
            } catch (IOException e) {
                if (!p.isAlive() || System.nanoTime() > deadline) {
                    p.destroyForcibly();
                    throw new IOException("smtp-sink did not start on " + host + ":" + port + ": "
                            + Files.readString(dump.resolve("smtp-sink.log")));
                }
                try {
                    Thread.sleep(20);
                } catch (InterruptedException ie) {
                    throw new IOException(ie);
                }
            }
        }
        return new SmtpSink(p, dump, host, port);
    }

    public String host() {
        return host;
    }

    public int port() {
        return port;
    }

    /** The dumped transactions received so far, oldest first. */
    public List<String> messages() throws IOException {
        try (Stream<Path> s = Files.list(dumpDir)) {
            List<String> out = new ArrayList<>();
            for (Path p : s.filter(f -> !f.getFileName().toString().equals("smtp-sink.log"))
                    .sorted(java.util.Comparator.comparing(SmtpSink::modified)).toList())
                out.add(Files.readString(p, java.nio.charset.StandardCharsets.ISO_8859_1));
            return out;
        }
    }

    private boolean closed;

    @Override
    public synchronized void close() throws IOException {
        if (closed) return;
        closed = true;
        process.destroy();
        try {
            process.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try (Stream<Path> s = Files.walk(dumpDir)) {
            for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }

    private static java.nio.file.attribute.FileTime modified(Path p) {
        try {
            return Files.getLastModifiedTime(p);
        } catch (IOException e) {
            return java.nio.file.attribute.FileTime.fromMillis(0);
        }
    }

    /** A free TCP port on the given loopback address. */
    public static int freePort(String host) throws IOException {
        try (var s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName(host))) {
            return s.getLocalPort();
        }
    }
}
