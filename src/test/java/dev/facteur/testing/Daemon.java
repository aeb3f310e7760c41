package dev.facteur.testing;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A peer that runs beside the tests (smtp-sink, dnsmasq, Dovecot, a Python relay, a Facteur in
 * its own JVM) as a child of this JVM, its output in a log file. {@link #start} returns once the
 * peer is ready, as the caller's check says, and that check should also make sure the answer
 * comes from this process ({@link #listensOn}): a leftover of another run on the same address
 * would answer just as well. {@link #close} stops the process and everything it started.
 */
public final class Daemon implements AutoCloseable {

    /** Whether the peer is ready; may throw to say it never will be. */
    @FunctionalInterface
    public interface Ready {
        boolean check(Daemon daemon) throws IOException;
    }

    /** The peer could not bind its address: someone else holds it. Try another. */
    public static final class AddressInUse extends IOException {
        AddressInUse(String message) {
            super(message);
        }
    }

    private static final Duration STOP = Duration.ofSeconds(5);
    private static final Set<Daemon> RUNNING = ConcurrentHashMap.newKeySet();

    static {
        // a run that ends on a failure must not leave peers listening behind it
        Runtime.getRuntime().addShutdownHook(new Thread(() -> RUNNING.forEach(Daemon::close), "stop-test-daemons"));
    }

    private final String name;
    private final Process process;
    private final Path log;

    private Daemon(String name, Process process, Path log) {
        this.name = name;
        this.process = process;
        this.log = log;
    }

    /**
     * Starts {@code command} with its output (stdout and stderr) in {@code log} and waits until
     * {@code ready} says so. Throws {@link AddressInUse} when the process ended saying its
     * address was in use, IOException when it ended otherwise or was not ready in time.
     */
    public static Daemon start(String name, List<String> command, Path log, Ready ready) throws IOException {
        TestKind.integrationOnly(name);
        if (!Files.isExecutable(Path.of(command.getFirst())))
            throw new IOException(name + ": " + command.getFirst() + " is not installed (bin/test installs it)");
        Files.createDirectories(log.toAbsolutePath().getParent());
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())).start();
        Daemon d = new Daemon(name, p, log);
        RUNNING.add(d);
        long deadline = System.nanoTime() + Patience.DAEMON_START.toNanos();
        long pause = 5;
        try {
            while (!ready.check(d)) {
                if (!p.isAlive()) {
                    d.close();
                    String said = d.log();
                    if (said.toLowerCase(Locale.ROOT).contains("address already in use")
                            || said.toLowerCase(Locale.ROOT).contains("address in use"))
                        throw new AddressInUse(name + ": address in use:\n" + said);
                    throw new IOException(name + " exited " + p.exitValue() + " before it was ready:\n" + said);
                }
                if (System.nanoTime() > deadline) {
                    d.close();
                    throw new IOException(name + " not ready after " + Patience.DAEMON_START.toSeconds() + " s:\n" + d.log());
                }
                Thread.sleep(pause); // a poll of the daemon's readiness, not a wait for time to pass
                pause = Math.min(pause * 2, 100);
            }
        } catch (InterruptedException e) {
            d.close();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while " + name + " started", e);
        } catch (IOException | RuntimeException e) {
            d.close();
            throw e;
        }
        return d;
    }

    /**
     * Tries {@code start} up to five times while it fails with {@link AddressInUse}: each attempt
     * should pick another address.
     */
    public static <T> T onSomeAddress(Attempt<T> start) throws IOException {
        for (int attempt = 1; ; attempt++) {
            try {
                return start.run();
            } catch (AddressInUse e) {
                if (attempt == 5) throw e;
            }
        }
    }

    /** One attempt to start a peer on an address of its choosing. */
    @FunctionalInterface
    public interface Attempt<T> {
        T run() throws IOException;
    }

    /**
     * Whether this process (or one it started: daemons fork workers) holds the socket bound to
     * {@code address}: a listening TCP socket ({@code tcp}) or a UDP one. Then what answers there
     * is ours.
     */
    public boolean listensOn(InetSocketAddress address, boolean tcp) throws IOException {
        Set<Long> wanted = Loopback.socketInodes(address, tcp);
        if (wanted.isEmpty()) return false;
        Set<String> links = new HashSet<>();
        for (String w : wanted.stream().map(i -> "socket:[" + i + "]").toList()) links.add(w);
        for (ProcessHandle h : Stream.concat(Stream.of(process.toHandle()), process.descendants()).toList()) {
            try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(h.pid()), "fd"))) {
                for (Path fd : fds.toList()) {
                    try {
                        if (links.contains(Files.readSymbolicLink(fd).toString())) return true;
                    } catch (FileSystemException closedMeanwhile) {
                        // the descriptor went away while we looked
                    }
                }
            } catch (NoSuchFileException | AccessDeniedException gone) {
                // the process ended while we looked, or runs as a user we cannot see into
            }
        }
        return false;
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public long pid() {
        return process.pid();
    }

    public Path logFile() {
        return log;
    }

    /** What the peer printed so far. */
    public String log() {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    /** SIGKILL now, no goodbye; returns the exit status once the process is gone. */
    public int kill() throws InterruptedException {
        process.destroyForcibly();
        int status = process.waitFor();
        RUNNING.remove(this);
        return status;
    }

    /** The process's exit status once it has ended, waiting for it at most {@link Patience#EVENT}. */
    public int awaitExit() throws InterruptedException {
        if (!process.waitFor(Patience.EVENT.toMillis(), TimeUnit.MILLISECONDS))
            throw new AssertionError(name + " still running after " + Patience.EVENT.toSeconds() + " s");
        RUNNING.remove(this);
        return process.exitValue();
    }

    /** SIGTERM to the process and every process it started (a graceful stop); see {@link #awaitExit}. */
    public void terminate() {
        List<ProcessHandle> children = process.descendants().toList();
        process.destroy();
        children.forEach(ProcessHandle::destroy);
    }

    /** Stops the process and everything it started: SIGTERM, and SIGKILL after 5 s. Safe to call twice. */
    @Override
    public void close() {
        List<ProcessHandle> children = process.descendants().toList();
        terminate();
        try {
            if (!process.waitFor(STOP.toMillis(), TimeUnit.MILLISECONDS)) process.destroyForcibly().waitFor();
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        children.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
        RUNNING.remove(this);
    }

    @Override
    public String toString() {
        return name + " (pid " + process.pid() + ")";
    }
}
