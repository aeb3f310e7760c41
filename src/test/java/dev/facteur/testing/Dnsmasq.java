package dev.facteur.testing;

import dev.facteur.net.HostPort;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;

/**
 * A private dnsmasq for tests: it serves the records it is given on a loopback host of its own
 * ({@link Loopback}), and nothing else. It has no upstream ({@code no-resolv}), reads no
 * {@code /etc/hosts} and so never sends a packet off loopback. Unknown names in a domain given
 * as {@code local=/example.test/} are NXDOMAIN; other unknown names are REFUSED.
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
    /** dnsmasq cannot say which port it got: a fixed one, on a host of its own. */
    private static final int PORT = 5353;

    private final Daemon daemon;
    private final String address;
    private final int port;
    private final Path dir;

    private Dnsmasq(Daemon daemon, String address, int port, Path dir) {
        this.daemon = daemon;
        this.address = address;
        this.port = port;
        this.dir = dir;
    }

    /** Starts dnsmasq with these configuration lines (records, local=, local-ttl=) and returns once it answers. */
    public static Dnsmasq start(List<String> config) throws IOException {
        return Daemon.onSomeAddress(() -> startOn(Loopback.host(), config));
    }

    private static Dnsmasq startOn(String address, List<String> config) throws IOException {
        Path dir = Files.createTempDirectory("facteur-dnsmasq");
        Path conf = dir.resolve("dnsmasq.conf");
        var lines = new ArrayList<>(List.of(
                "no-resolv",        // no upstream: nothing is ever forwarded off loopback
                "no-hosts",         // /etc/hosts is not part of the test's DNS
                "bind-interfaces",
                "listen-address=" + address,
                "port=" + PORT,
                "user=root",
                "pid-file=",        // none: several instances may run at once
                "log-facility=-")); // stderr, which goes to the log file
        lines.addAll(config);
        Files.write(conf, lines, StandardCharsets.UTF_8);
        var at = new InetSocketAddress(address, PORT);
        try {
            Daemon d = Daemon.start("dnsmasq on " + address + ":" + PORT, List.of(BINARY.toString(), "-k", "-C", conf.toString()),
                    dir.resolve("dnsmasq.log"), self -> self.listensOn(at, false) && answers(at));
            return new Dnsmasq(d, address, PORT, dir);
        } catch (IOException e) {
            delete(dir);
            throw e;
        }
    }

    public String address() {
        return address;
    }

    public int port() {
        return port;
    }

    /** What dnsmasq logged so far (with {@code log-queries} in its configuration: every question it was asked). */
    public String log() {
        return daemon.log();
    }

    public HostPort hostPort() {
        return new HostPort(address, port);
    }

    /** Stops dnsmasq; answers already cached by a resolver stay cached. Safe to call twice. */
    public void stop() {
        daemon.close(); // and the child dnsmasq forks per TCP connection, which a client's open connection keeps alive
    }

    /** Stops dnsmasq and deletes its configuration and log. */
    @Override
    public void close() {
        stop();
        try {
            delete(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Any answer, even REFUSED, means dnsmasq is listening. */
    private static boolean answers(InetSocketAddress at) {
        try {
            var probe = new SimpleResolver(at);
            probe.setTimeout(Duration.ofMillis(200)); // a poll: the next one asks again
            probe.send(Message.newQuery(Record.newRecord(Name.root, Type.SOA, DClass.IN)));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static void delete(Path dir) throws IOException {
        try (var files = Files.list(dir)) {
            for (Path f : files.toList()) Files.delete(f);
        }
        Files.delete(dir);
    }
}
