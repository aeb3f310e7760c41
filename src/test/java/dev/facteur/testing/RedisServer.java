package dev.facteur.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A private redis-server for tests, on a loopback host of its own ({@link Loopback}), keeping
 * nothing on disk (no RDB snapshots, no AOF): each start is empty. It can be killed, paused (a
 * hung Redis: it keeps its connections and answers nothing) and started again on the same
 * address, as a Redis that fails and comes back.
 *
 * <pre>{@code
 * try (var redis = RedisServer.start(null)) {
 *     var stores = Stores.redis(redis.uri(), "facteur:", Duration.ofSeconds(1));
 *     ...
 * }
 * }</pre>
 */
public final class RedisServer implements AutoCloseable {

    public static final Path BINARY = Path.of("/usr/bin/redis-server");
    /** redis-server cannot bind port 0 and say which it got: the usual one, on a host of its own. */
    private static final int PORT = 6379;

    private final String host;
    private final String password;
    private final Path dir;
    private Daemon daemon;

    private RedisServer(String host, String password, Path dir) {
        this.host = host;
        this.password = password;
        this.dir = dir;
    }

    /** Starts an empty Redis; with a {@code password} (null: none), clients must AUTH with it. */
    public static RedisServer start(String password) throws IOException {
        TestKind.integrationOnly("redis-server");
        if (!Files.isExecutable(BINARY))
            throw new IOException(BINARY + " is not installed: apt-get install redis-server (bin/test installs it)");
        return Daemon.onSomeAddress(() -> {
            var r = new RedisServer(Loopback.host(), password, Files.createTempDirectory("facteur-redis"));
            try {
                r.startAgain();
                return r;
            } catch (IOException e) {
                r.deleteDir();
                throw e;
            }
        });
    }

    /** Starts it again on the same address after {@link #kill} or {@link #stop}: empty, as nothing was kept. */
    public void startAgain() throws IOException {
        if (daemon != null && daemon.isAlive()) throw new IllegalStateException("redis-server is running");
        List<String> conf = new ArrayList<>(List.of(
                "bind " + host,
                "port " + PORT,
                "save \"\"",          // no RDB snapshots
                "appendonly no",      // no AOF: nothing outlives the process
                "dir " + dir,
                "daemonize no",
                "logfile \"\"",       // stdout, which goes to the log file
                "databases 16"));
        if (password != null) conf.add("requirepass " + password);
        Path file = dir.resolve("redis.conf");
        Files.write(file, conf, StandardCharsets.UTF_8);
        var at = new InetSocketAddress(host, PORT);
        daemon = Daemon.start("redis-server on " + host + ":" + PORT, List.of(BINARY.toString(), file.toString()), dir.resolve("redis.log"),
                self -> self.listensOn(at, true) && answers(at));
    }

    /** Any reply to PING (+PONG, or -NOAUTH when a password is set) means it serves. */
    private static boolean answers(InetSocketAddress at) {
        try (Socket s = new Socket()) {
            s.connect(at, 1000);
            s.setSoTimeout((int) Patience.EVENT.toMillis());
            s.getOutputStream().write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            InputStream in = s.getInputStream();
            int first = in.read();
            return first == '+' || first == '-';
        } catch (IOException e) {
            return false;
        }
    }

    /** {@code redis://[:password@]host:6379/db}. */
    public URI uri(int db) {
        return URI.create("redis://" + (password == null ? "" : ":" + password + "@") + host + ":" + PORT + "/" + db);
    }

    public URI uri() {
        return uri(0);
    }

    public String host() {
        return host;
    }

    public int port() {
        return PORT;
    }

    /** SIGKILL: connections break, new ones are refused. */
    public void kill() throws InterruptedException {
        daemon.kill();
    }

    /** SIGSTOP: it keeps its socket and its connections and answers nothing, as a hung Redis. */
    public void pause() throws IOException, InterruptedException {
        signal("-STOP");
    }

    /** SIGCONT after {@link #pause}. */
    public void resume() throws IOException, InterruptedException {
        signal("-CONT");
    }

    private void signal(String signal) throws IOException, InterruptedException {
        var r = ExternalProcess.run(List.of("/usr/bin/kill", signal, Long.toString(daemon.pid())));
        if (r.exitCode() != 0) throw new IOException("kill " + signal + " " + daemon + ": " + r);
    }

    /** What it logged so far. */
    public String log() {
        return daemon.log();
    }

    /** Stops it (SIGCONT first, in case it was paused). Safe to call twice. */
    public void stop() {
        if (daemon == null || !daemon.isAlive()) return;
        try {
            resume();
        } catch (IOException e) {
            // it is killed below all the same
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        daemon.close();
    }

    @Override
    public void close() {
        stop();
        deleteDir();
    }

    private void deleteDir() {
        try (var files = Files.list(dir)) {
            for (Path f : files.toList()) Files.delete(f);
            Files.delete(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
