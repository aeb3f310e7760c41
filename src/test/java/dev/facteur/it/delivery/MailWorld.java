package dev.facteur.it.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.message.Envelope;
import dev.facteur.message.QueueId;
import dev.facteur.net.HostPort;
import dev.facteur.queue.QueueManager;
import dev.facteur.server.Facteur;
import dev.facteur.spool.StoredMessage;
import dev.facteur.testing.Dnsmasq;
import dev.facteur.testing.Loopback;
import dev.facteur.testing.ManualClock;
import dev.facteur.testing.Patience;
import dev.facteur.testing.SmtpSink;
import dev.facteur.testing.StoredContent;
import dev.facteur.testing.TestConfig;
import dev.facteur.testing.WireClient;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * A small Internet on loopback for one test: a private dnsmasq (the only DNS Facteur may ask),
 * smtp-sink peers each on a host of its own ({@link Loopback}) and port {@value #REMOTE_PORT},
 * and one Facteur delivering to them. Senders live in {@value #SENDER_DOMAIN}, whose MX is a
 * sink of its own ({@link #bounces()}), so every DSN Facteur sends can be caught and read.
 */
final class MailWorld implements AutoCloseable {

    /** The port of every MX host: Facteur has one remote port for all ({@code [delivery] remote_port}). */
    static final int REMOTE_PORT = 2526;
    static final String SENDER_DOMAIN = "sender.test";
    static final String SENDER = "alice@" + SENDER_DOMAIN;

    /** Second-level retries; a lifetime long enough that nothing expires unless a test says so. */
    private static final Map<String, String> DELIVERY_DEFAULTS = Map.of(
            "retry_initial", "1s",
            "retry_max", "2s",
            "max_lifetime", "1h",
            "delay_warning", "off",
            "connect_timeout", "60s",  // patient: a slow machine is not a misbehaving peer
            "command_timeout", "60s",
            "data_timeout", "60s");

    /**
     * Traffic shaping in seconds, as the retries are: a server's 421 postpones its site's mail for
     * a tenth of a second at most (600 a minute at the least), not a minute.
     */
    private static final String SHAPING = """
            [shaping.adaptive]
            interval = "1s"
            min_messages_per_minute = 600
            suspend = "1s"
            suspend_max = "2s"
            """;

    private static final String DEFAULT_LOCAL = """
            [local]
            domains = ["facteur.test"]
            """;

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

    /** A host of its own: down until a test starts a peer there. */
    static String newHost() {
        return Loopback.host();
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
        return start(dir, records, Map.of());
    }

    /**
     * @param records  dnsmasq lines for the recipients' domains; unknown names under .test are NXDOMAIN
     * @param delivery [delivery] keys that differ from the defaults above
     */
    static MailWorld start(Path dir, List<String> records, Map<String, String> delivery) throws IOException {
        return start(dir, records, delivery, DEFAULT_LOCAL);
    }

    /**
     * As above, with the world's own domains: {@code localTables} replaces the default
     * {@code [local] domains = ["facteur.test"]} and may add [routing].
     */
    static MailWorld start(Path dir, List<String> records, Map<String, String> delivery, String localTables) throws IOException {
        return start(dir, records, Clock.systemDefaultZone(), localTables, c -> c.delivery(delivery));
    }

    /** With Facteur going by {@code clock} (a {@link ManualClock#flowing()} one) and more configuration. */
    static MailWorld start(Path dir, List<String> records, Clock clock, Consumer<TestConfig> more) throws IOException {
        return start(dir, records, clock, DEFAULT_LOCAL, more);
    }

    private static MailWorld start(Path dir, List<String> records, Clock clock, String localTables, Consumer<TestConfig> more)
            throws IOException {
        String bounceHost = newHost();
        List<String> zone = new ArrayList<>(List.of("local=/test/"));
        zone.addAll(mx(SENDER_DOMAIN, bounceHost));
        zone.addAll(records);
        Dnsmasq dns = Dnsmasq.start(zone);
        SmtpSink bounces = null;
        try {
            bounces = SmtpSink.start(bounceHost, REMOTE_PORT);
            TestConfig config = config(dir.resolve("data"), localTables, dns.hostPort());
            more.accept(config);
            Facteur facteur = config.start(clock);
            // the file says where the admin interface listens now, as an operator's would: the facteur command reads it
            facteur.adminAddress().ifPresent(a -> config.admin(new HostPort(a.getHostString(), a.getPort()).toString()));
            Path file = config.writeTo(dir.resolve("facteur.toml"));
            return new MailWorld(dns, bounces, facteur, file);
        } catch (IOException | RuntimeException e) {
            if (bounces != null) bounces.close();
            dns.close();
            throw e;
        }
    }

    /**
     * The configuration of a test world's Facteur: delivery on with second-level retries,
     * relaying for loopback, only the given DNS server, MX hosts on {@value #REMOTE_PORT}.
     *
     * @param localTables the [local] table and any [routing]
     */
    static TestConfig config(Path dataDir, String localTables, HostPort dnsServer) {
        return TestConfig.in(dataDir).tables("[relay]\nnetworks = [\"127.0.0.0/8\"]\n" + localTables).tables(SHAPING).dns(dnsServer)
                .delivery(DELIVERY_DEFAULTS).delivery("remote_port = " + REMOTE_PORT + "\nstarttls = true");
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
        return submit(facteur, sender, recipients, subject);
    }

    String submit(String mailArgs, List<String> rcptArgs, byte[] content) throws IOException {
        return WireClient.submit(smtp(), mailArgs, rcptArgs, content);
    }

    /** A plain 7-bit message from {@code sender} to each recipient, no ESMTP parameters. */
    static String submit(Facteur facteur, String sender, List<String> recipients, String subject) throws IOException {
        return WireClient.submit(facteur.smtpAddresses().getFirst(), "<" + sender + ">",
                recipients.stream().map(r -> "<" + r + ">").toList(), message(sender, subject));
    }

    /** A small message whose subject lets tests find it again. */
    static byte[] message(String sender, String subject) {
        return ("From: <" + sender + ">\r\nTo: <undisclosed-recipients:;>\r\nSubject: " + subject + "\r\n"
                + "Message-ID: <" + subject.replace(' ', '-') + "@sender.test>\r\n\r\n"
                + "Hello,\r\nthis is the body of " + subject + ".\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    Optional<Envelope> envelope(String id) {
        return envelope(facteur, id);
    }

    static Optional<Envelope> envelope(Facteur facteur, String id) {
        return facteur.spool().find(QueueId.parse(id)).map(StoredMessage::envelope);
    }

    /** Waits until the queued message satisfies {@code condition}, and returns its envelope then. */
    Envelope awaitEnvelope(String id, String what, Predicate<Envelope> condition) {
        return awaitEnvelope(facteur, id, what, condition);
    }

    static Envelope awaitEnvelope(Facteur facteur, String id, String what, Predicate<Envelope> condition) {
        return Patience.await(id + ": " + what).until(() -> envelope(facteur, id).filter(condition).orElse(null), e -> e != null);
    }

    /** Waits until the message has left the queue: every recipient delivered or failed. */
    void awaitGone(String id) {
        awaitGone(facteur, id);
    }

    static void awaitGone(Facteur facteur, String id) {
        Patience.await(id + " leaves the queue").until(() -> envelope(facteur, id).isEmpty());
    }

    /** Waits until {@code sink} has received at least {@code n} transactions, and returns them all. */
    static List<String> awaitReceived(SmtpSink sink, int n) {
        return Patience.await(sink.host() + " receives " + n).until(sink::messages, m -> m.size() >= n);
    }

    /** Waits for at least {@code n} DSNs at the sender's MX, and returns all received, parsed. */
    List<ParsedDsn> awaitDsns(int n) throws IOException, InterruptedException {
        return ParsedDsn.parseAll(awaitReceived(bounces, n));
    }

    /**
     * Every DSN there will ever be for message {@code id}, parsed: a DSN is queued in the same
     * commit as the change of the message it reports on, so once the message has left the queue
     * and no DSN waits in it, the sender's MX has received them all. (Not for DSNs that cannot be
     * delivered: those stay, held.)
     */
    List<ParsedDsn> settledDsns(String id) throws IOException, InterruptedException {
        awaitGone(id);
        Patience.await("the DSNs of " + id + " leave the queue").until(() -> queuedBounces().isEmpty());
        return ParsedDsn.parseAll(bounces.messages());
    }

    /** The one DSN there will ever be for message {@code id} ({@link #settledDsns}); fails unless there is exactly one. */
    ParsedDsn onlyDsn(String id) throws IOException, InterruptedException {
        List<ParsedDsn> all = settledDsns(id);
        assertThat(all).as("DSNs sent for " + id).hasSize(1);
        return all.getFirst();
    }

    /**
     * No DSN was sent for what happened so far: none waits in the queue, none reached the sender's
     * MX. (Reading the queue first: a DSN on its way leaves the queue only once the MX has it.)
     */
    void assertNoDsn(String why) throws IOException {
        assertThat(queuedBounces()).as("DSNs in the queue: " + why).isEmpty();
        assertThat(bounces.messages()).as("DSNs at the sender's MX: " + why).isEmpty();
    }

    /** The stored content of a queued message, or empty when it has left the queue meanwhile. */
    Optional<String> content(QueueId id) {
        return StoredContent.ifQueued(facteur.spool(), id);
    }

    /** Messages in the queue from the null reverse-path: DSNs not yet delivered. */
    List<Envelope> queuedBounces() {
        return queuedBounces(facteur);
    }

    static List<Envelope> queuedBounces(Facteur facteur) {
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
