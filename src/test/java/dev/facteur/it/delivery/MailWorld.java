package dev.facteur.it.delivery;

import static org.awaitility.Awaitility.await;

import dev.facteur.config.Config;
import dev.facteur.config.ConfigException;
import dev.facteur.config.ConfigLoader;
import dev.facteur.dns.Dnsmasq;
import dev.facteur.message.Envelope;
import dev.facteur.message.QueueId;
import dev.facteur.queue.QueueManager;
import dev.facteur.server.Facteur;
import dev.facteur.spool.StoredMessage;
import dev.facteur.testing.SmtpSink;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * A small Internet on loopback for one test: a private dnsmasq (the only DNS Facteur may ask),
 * smtp-sink peers each on its own 127.0.3.x address and port {@value #REMOTE_PORT}, and one
 * Facteur delivering to them. Senders live in {@value #SENDER_DOMAIN}, whose MX is a sink of its
 * own ({@link #bounces()}), so every DSN Facteur sends can be caught and read.
 */
final class MailWorld implements AutoCloseable {

    static final int REMOTE_PORT = 2526;
    static final String SENDER_DOMAIN = "sender.test";
    static final String SENDER = "alice@" + SENDER_DOMAIN;
    static final Duration PATIENCE = Duration.ofSeconds(15);

    /** Second-level retries; a lifetime long enough that nothing expires unless a test says so. */
    private static final Map<String, String> DELIVERY_DEFAULTS = Map.of(
            "retry_initial", "1s",
            "retry_max", "2s",
            "max_lifetime", "1h",
            "delay_warning", "off",
            "connect_timeout", "2s",
            "command_timeout", "5s",
            "data_timeout", "5s");

    private static final AtomicInteger NEXT_HOST = new AtomicInteger(10);

    private final Dnsmasq dns;
    private final SmtpSink bounces;
    private final List<SmtpSink> sinks = new ArrayList<>();
    private final Facteur facteur;
    private final Path configFile;

    private MailWorld(Dnsmasq dns, SmtpSink bounces, Facteur facteur, Path configFile) {
        this.dns = dns;
        this.bounces = bounces;
        this.facteur = facteur;
        this.configFile = configFile;
    }

    /**
     * A loopback address no other test of this run uses and where nothing listens on
     * {@value #REMOTE_PORT}: a host of its own, down until a test starts a sink there.
     */
    static String newHost() {
        while (true) {
            int n = NEXT_HOST.getAndIncrement();
            if (n > 250) throw new IllegalStateException("out of test hosts");
            String host = "127.0.3." + n;
            try (var probe = new Socket()) {
                probe.connect(new InetSocketAddress(host, REMOTE_PORT), 500);
                // someone else's listener (another run's leftover?): not a host this test controls
            } catch (IOException expected) {
                return host;
            }
        }
    }

    /** dnsmasq lines for {@code domain MX pref mxName} and {@code mxName A ip}. */
    static List<String> mx(String domain, int preference, String mxName, String ip) {
        return List.of("mx-host=" + domain + "," + mxName + "," + preference, "host-record=" + mxName + "," + ip);
    }

    /** dnsmasq lines for a domain with one MX at {@code ip}. */
    static List<String> mx(String domain, String ip) {
        return mx(domain, 10, "mx." + domain, ip);
    }

    static MailWorld start(Path dir, List<String> records) throws IOException {
        return start(dir, records, Map.of(), null);
    }

    /**
     * @param records  dnsmasq lines for the recipients' domains; unknown names under .test are NXDOMAIN
     * @param delivery [delivery] keys that differ from the defaults above
     * @param admin    the [admin] listen address, or null for any free port
     */
    static MailWorld start(Path dir, List<String> records, Map<String, String> delivery, String admin) throws IOException {
        return start(dir, records, delivery, admin, DEFAULT_LOCAL);
    }

    private static final String DEFAULT_LOCAL = """
            [local]
            domains = ["facteur.test"]
            """;

    /**
     * As above, with the world's own domains: {@code localTables} replaces the default
     * {@code [local] domains = ["facteur.test"]} and may add [routing].
     */
    static MailWorld start(Path dir, List<String> records, Map<String, String> delivery, String admin, String localTables)
            throws IOException {
        String bounceHost = newHost();
        List<String> zone = new ArrayList<>(List.of("local=/test/"));
        zone.addAll(mx(SENDER_DOMAIN, bounceHost));
        zone.addAll(records);
        Dnsmasq dns = Dnsmasq.start(zone);
        SmtpSink bounces = null;
        try {
            bounces = SmtpSink.start(bounceHost, REMOTE_PORT);
            String toml = toml(dir.resolve("data"), localTables, dns.hostPort(), delivery, "", admin);
            Path file = dir.resolve("facteur.toml");
            Files.writeString(file, toml);
            Facteur facteur = Facteur.start(load(file));
            return new MailWorld(dns, bounces, facteur, file);
        } catch (IOException | RuntimeException e) {
            if (bounces != null) bounces.close();
            dns.close();
            throw e;
        }
    }

    /**
     * The configuration of a test world's Facteur: delivery on with second-level retries, relaying
     * for loopback, only the given DNS server.
     *
     * @param localTables   the [local] table and any [routing]
     * @param delivery      [delivery] keys that differ from the defaults above (string values)
     * @param moreDelivery  further [delivery] lines or tables ([[delivery.auth]]), or ""
     * @param admin         the [admin] listen address, or null for any free port
     */
    static String toml(Path dataDir, String localTables, dev.facteur.net.HostPort dnsServer, Map<String, String> delivery, String moreDelivery,
            String admin) {
        var keys = new LinkedHashMap<>(DELIVERY_DEFAULTS);
        keys.putAll(delivery);
        StringBuilder d = new StringBuilder();
        keys.forEach((k, v) -> d.append(k).append(" = \"").append(v).append("\"\n"));
        return """
                hostname = "mx.facteur.test"
                data_dir = '%s'
                [smtp]
                listen = ["127.0.0.1:0"]
                [relay]
                networks = ["127.0.0.0/8"]
                %s
                [dns]
                servers = ["%s"]
                [delivery]
                enabled = true
                remote_port = %d
                starttls = true
                %s
                %s
                [admin]
                listen = "%s"
                """.formatted(dataDir.toAbsolutePath(), localTables, dnsServer, REMOTE_PORT, d, moreDelivery,
                admin == null ? "127.0.0.1:0" : admin);
    }

    private static Config load(Path file) {
        try {
            return ConfigLoader.load(file);
        } catch (ConfigException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    /** Starts a receiving MTA on {@code host}; it is stopped with the world. */
    SmtpSink sink(String host, String... options) throws IOException {
        SmtpSink s = SmtpSink.start(host, REMOTE_PORT, options);
        sinks.add(s);
        return s;
    }

    /** Stops a sink started by {@link #sink}: its host is down again. */
    void stop(SmtpSink sink) throws IOException {
        if (sinks.remove(sink)) sink.close();
    }

    /** The sink of {@value #SENDER_DOMAIN}: where DSNs to senders arrive. */
    SmtpSink bounces() {
        return bounces;
    }

    Facteur facteur() {
        return facteur;
    }

    QueueManager queue() {
        return facteur.queue().orElseThrow();
    }

    Path configFile() {
        return configFile;
    }

    InetSocketAddress smtp() {
        return facteur.smtpAddresses().getFirst();
    }

    String submit(String sender, List<String> recipients, String subject) throws IOException {
        return Submission.send(smtp(), sender, recipients, subject);
    }

    String submit(String mailArgs, List<String> rcptArgs, byte[] content) throws IOException {
        return Submission.send(smtp(), mailArgs, rcptArgs, content);
    }

    Optional<Envelope> envelope(String id) {
        return facteur.spool().find(QueueId.parse(id)).map(StoredMessage::envelope);
    }

    /** Waits until the queued message satisfies {@code condition}, and returns its envelope then. */
    Envelope awaitEnvelope(String id, String what, Predicate<Envelope> condition) {
        return await(what).atMost(PATIENCE).pollInterval(Duration.ofMillis(50))
                .until(() -> envelope(id).filter(condition).orElse(null), e -> e != null);
    }

    /** Waits until the message has left the queue: every recipient delivered or failed. */
    void awaitGone(String id) {
        await(id + " leaves the queue").atMost(PATIENCE).pollInterval(Duration.ofMillis(50))
                .until(() -> envelope(id).isEmpty());
    }

    /** Waits until {@code sink} has received at least {@code n} transactions, and returns them all. */
    static List<String> awaitReceived(SmtpSink sink, int n) {
        return await(sink.host() + " receives " + n).atMost(PATIENCE).pollInterval(Duration.ofMillis(50))
                .until(sink::messages, m -> m.size() >= n);
    }

    /** Waits for at least {@code n} DSNs at the sender's MX, and returns all received, parsed. */
    List<ParsedDsn> awaitDsns(int n) throws IOException, InterruptedException {
        return ParsedDsn.parseAll(awaitReceived(bounces, n));
    }

    /** The stored content of a queued message. */
    String content(QueueId id) {
        try (var in = facteur.spool().openContent(id)) {
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            return ""; // delivered and removed meanwhile
        }
    }

    /** Messages in the queue from the null reverse-path: DSNs not yet delivered. */
    List<Envelope> queuedBounces() {
        return facteur.spool().messages().stream().map(StoredMessage::envelope).filter(e -> e.sender().isNull()).toList();
    }

    /** Stops everything, each part even when another fails to stop. */
    @Override
    public void close() throws IOException {
        List<AutoCloseable> parts = new ArrayList<>();
        parts.add(facteur);
        parts.addAll(sinks);
        parts.add(bounces);
        parts.add(dns);
        IOException failure = null;
        for (AutoCloseable part : parts) {
            try {
                part.close();
            } catch (Exception e) {
                if (failure == null) failure = new IOException("could not stop every part of the test world", e);
                else failure.addSuppressed(e);
            }
        }
        if (failure != null) throw failure;
    }
}
