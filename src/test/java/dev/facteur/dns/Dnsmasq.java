package dev.facteur.dns;

import dev.facteur.net.HostPort;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;

/**
 * A private dnsmasq for tests: it serves the records it is given on a loopback address and a free
 * high port, and nothing else. It has no upstream ({@code no-resolv}), reads no {@code /etc/hosts}
 * and so never sends a packet off loopback. Unknown names in a domain given as
 * {@code local=/example.test/} are NXDOMAIN; other unknown names are REFUSED.
 *
 * <pre>{@code
 * try (var dns = Dnsmasq.start(List.of("local=/example.test/", "local-ttl=60",
 *         "mx-host=example.test,mx.example.test,10", "host-record=mx.example.test,127.0.0.21"))) {
 *     var resolver = new DnsJavaResolver(List.of(dns.hostPort()), Duration.ofSeconds(1), 1);
 *     ...
 * }
 * }</pre>
 *
 * dnsmasq gives its own records TTL 0 unless told {@code local-ttl=N}: without it nothing is cached.
 */
public final class Dnsmasq implements AutoCloseable {

    public static final Path BINARY = Path.of("/usr/sbin/dnsmasq");
    public static final String DEFAULT_ADDRESS = "127.0.0.53";
    private static final Duration STARTUP = Duration.ofSeconds(10);

    private final Process process;
    private final String address;
    private final int port;
    private final Path dir;

    private Dnsmasq(Process process, String address, int port, Path dir) {
        this.process = process;
        this.address = address;
        this.port = port;
        this.dir = dir;
    }

    public static boolean isInstalled() {
        return Files.isExecutable(BINARY);
    }

    /** Starts dnsmasq on {@value #DEFAULT_ADDRESS} with these configuration lines (records, local=, local-ttl=). */
    public static Dnsmasq start(List<String> config) throws IOException {
        return start(DEFAULT_ADDRESS, config);
    }

    /** Starts dnsmasq on {@code address} (a 127.x address) and returns once it answers queries. */
    public static Dnsmasq start(String address, List<String> config) throws IOException {
        // The free port found may be taken by someone else before dnsmasq binds it: try again then.
        for (int attempt = 1; ; attempt++) {
            try {
                return startOnce(address, freePort(address), config);
            } catch (PortTaken e) {
                if (attempt == 5) throw e;
            }
        }
    }

    public String address() {
        return address;
    }

    public int port() {
        return port;
    }

    public HostPort hostPort() {
        return new HostPort(address, port);
    }

    /** Stops dnsmasq; answers already cached by a resolver stay cached. Safe to call twice. */
    public void stop() {
        // dnsmasq forks a child per TCP connection; a client that keeps its connection open keeps one alive.
        process.descendants().forEach(ProcessHandle::destroy);
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) process.destroyForcibly().waitFor();
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    /** Stops dnsmasq and deletes its configuration and log. */
    @Override
    public void close() {
        stop();
        try (var files = Files.list(dir)) {
            for (Path f : files.toList()) Files.delete(f);
            Files.delete(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static final class PortTaken extends IOException {
        PortTaken(String log) {
            super(log);
        }
    }

    private static Dnsmasq startOnce(String address, int port, List<String> config) throws IOException {
        Path dir = Files.createTempDirectory("facteur-dnsmasq");
        Path conf = dir.resolve("dnsmasq.conf");
        Path log = dir.resolve("dnsmasq.log");
        var lines = new ArrayList<>(List.of(
                "no-resolv",        // no upstream: nothing is ever forwarded off loopback
                "no-hosts",         // /etc/hosts is not part of the test's DNS
                "bind-interfaces",
                "listen-address=" + address,
                "port=" + port,
                "user=root",
                "pid-file=",        // none: several instances may run at once
                "log-facility=-")); // stderr, which goes to the log file
        lines.addAll(config);
        Files.write(conf, lines, StandardCharsets.UTF_8);
        Process process = new ProcessBuilder(BINARY.toString(), "-k", "-C", conf.toString())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .start();
        var dnsmasq = new Dnsmasq(process, address, port, dir);
        long deadline = System.nanoTime() + STARTUP.toNanos();
        while (!dnsmasq.answers()) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                dnsmasq.stop();
                String text = Files.readString(log, StandardCharsets.UTF_8);
                dnsmasq.close();
                if (text.contains("Address already in use")) throw new PortTaken(text);
                throw new IOException("dnsmasq did not start on " + address + ":" + port + ":\n" + text);
            }
        }
        return dnsmasq;
    }

    /** Any answer, even REFUSED, means dnsmasq is listening. */
    private boolean answers() {
        try {
            var probe = new SimpleResolver(new InetSocketAddress(address, port));
            probe.setTimeout(Duration.ofMillis(200));
            probe.send(Message.newQuery(Record.newRecord(Name.root, Type.SOA, DClass.IN)));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** A port free for both UDP and TCP on {@code address}: dnsmasq binds both. */
    private static int freePort(String address) throws IOException {
        for (int attempt = 1; ; attempt++) {
            try (var udp = new DatagramSocket(new InetSocketAddress(address, 0)); var tcp = new ServerSocket()) {
                int port = udp.getLocalPort();
                tcp.bind(new InetSocketAddress(address, port));
                return port;
            } catch (IOException e) {
                if (attempt == 20) throw e;
            }
        }
    }
}
