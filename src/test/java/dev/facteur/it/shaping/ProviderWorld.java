package dev.facteur.it.shaping;

import dev.facteur.message.Envelope;
import dev.facteur.message.QueueId;
import dev.facteur.server.Facteur;
import dev.facteur.spool.StoredMessage;
import dev.facteur.testing.Dnsmasq;
import dev.facteur.testing.Loopback;
import dev.facteur.testing.Patience;
import dev.facteur.testing.SmtpSink;
import dev.facteur.testing.TestConfig;
import dev.facteur.testing.WireClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A small Internet on loopback with one large provider in it: the domains {@link #PROVIDER_DOMAINS}
 * all have their mail served by the same two hosts, {@code mx1.provider.test} and
 * {@code mx2.provider.test} (one {@link Provider}, whose limits hold over both), so that Facteur's
 * MX roll-up makes them one site, {@value #SITE}. Beside it, {@value #OTHER_DOMAIN} has an
 * ordinary MX of its own (smtp-sink), and the senders' domain {@value #SENDER_DOMAIN} one that
 * catches every DSN. A private dnsmasq is the only DNS, and one Facteur delivers to them all.
 */
final class ProviderWorld implements AutoCloseable {

    /** The port of every MX host ({@code [delivery] remote_port}). */
    static final int REMOTE_PORT = 2526;
    static final List<String> PROVIDER_DOMAINS = List.of("a.test", "b.test", "c.test");
    static final String SITE = "provider.test";
    static final String OTHER_DOMAIN = "other.test";
    static final String SENDER_DOMAIN = "sender.test";
    static final String SENDER = "alice@" + SENDER_DOMAIN;

    /** Second-level retries, patient timeouts, a lifetime that nothing reaches. */
    private static final Map<String, String> DELIVERY = Map.of(
            "retry_initial", "1s",
            "retry_max", "2s",
            "max_lifetime", "1h",
            "delay_warning", "off",
            "connect_timeout", "60s",
            "command_timeout", "60s",
            "data_timeout", "60s");

    private final Dnsmasq dns;
    private final SmtpSink bounces;
    private final SmtpSink other;
    private final Provider provider;
    private final Facteur facteur;

    private ProviderWorld(Dnsmasq dns, SmtpSink bounces, SmtpSink other, Provider provider, Facteur facteur) {
        this.dns = dns;
        this.bounces = bounces;
        this.other = other;
        this.provider = provider;
        this.facteur = facteur;
    }

    /**
     * @param limits   what the provider tolerates
     * @param shaping  Facteur's {@code [shaping]} tables
     * @param delivery more lines of {@code [delivery]} ({@code max_parallel = 2}), or ""
     */
    static ProviderWorld start(Path dir, Provider.Limits limits, String shaping, String delivery) throws IOException {
        String mx1 = Loopback.host();
        String mx2 = Loopback.host();
        String bounceHost = Loopback.host();
        String otherHost = Loopback.host();
        List<String> zone = new ArrayList<>(List.of("local=/test/",
                "host-record=mx1.provider.test," + mx1, "host-record=mx2.provider.test," + mx2,
                "mx-host=" + SENDER_DOMAIN + ",mx." + SENDER_DOMAIN + ",10", "host-record=mx." + SENDER_DOMAIN + "," + bounceHost,
                "mx-host=" + OTHER_DOMAIN + ",mx." + OTHER_DOMAIN + ",10", "host-record=mx." + OTHER_DOMAIN + "," + otherHost));
        for (String d : PROVIDER_DOMAINS) {
            zone.add("mx-host=" + d + ",mx1.provider.test,10");
            zone.add("mx-host=" + d + ",mx2.provider.test,20");
        }
        List<AutoCloseable> started = new ArrayList<>();
        try {
            Dnsmasq dns = started(started, Dnsmasq.start(zone));
            SmtpSink bounces = started(started, SmtpSink.start(bounceHost, REMOTE_PORT));
            SmtpSink other = started(started, SmtpSink.start(otherHost, REMOTE_PORT));
            Provider provider = started(started, Provider.start(List.of(mx1, mx2), REMOTE_PORT, limits));
            Facteur facteur = TestConfig.in(dir.resolve("data"))
                    .tables("[relay]\nnetworks = [\"127.0.0.0/8\"]\n[local]\ndomains = [\"facteur.test\"]\n" + shaping)
                    .dns(dns.hostPort())
                    .delivery(DELIVERY).delivery("remote_port = " + REMOTE_PORT + "\n" + delivery)
                    .start();
            return new ProviderWorld(dns, bounces, other, provider, facteur);
        } catch (IOException | RuntimeException e) {
            for (AutoCloseable c : started.reversed()) {
                try {
                    c.close();
                } catch (Exception suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw e;
        }
    }

    private static <T extends AutoCloseable> T started(List<AutoCloseable> started, T part) {
        started.add(part);
        return part;
    }

    Provider provider() {
        return provider;
    }

    /** The ordinary MX of {@value #OTHER_DOMAIN}. */
    SmtpSink other() {
        return other;
    }

    /** Where DSNs to {@value #SENDER} arrive. */
    SmtpSink bounces() {
        return bounces;
    }

    /** The Message-ID of message number {@code n}. */
    static String messageId(int n) {
        return "<shaping-" + n + "@" + SENDER_DOMAIN + ">";
    }

    /** Hands message number {@code n} from {@value #SENDER} to Facteur, for {@code recipients}; returns its queue id. */
    String submit(int n, String... recipients) throws IOException {
        byte[] message = ("From: <" + SENDER + ">\r\nTo: <undisclosed-recipients:;>\r\nSubject: message " + n + "\r\n"
                + "Message-ID: " + messageId(n) + "\r\n\r\nHello,\r\nthis is message " + n + ".\r\n").getBytes(StandardCharsets.US_ASCII);
        return WireClient.submit(facteur.smtpAddresses().getFirst(), "<" + SENDER + ">",
                List.of(recipients).stream().map(r -> "<" + r + ">").toList(), message);
    }

    /** The messages in Facteur's queue from {@value #SENDER} (not DSNs). */
    List<Envelope> queued() {
        return facteur.spool().messages().stream().map(StoredMessage::envelope).filter(e -> !e.sender().isNull()).toList();
    }

    /** The DSNs in Facteur's queue, not yet delivered. */
    List<Envelope> queuedBounces() {
        return facteur.spool().messages().stream().map(StoredMessage::envelope).filter(e -> e.sender().isNull()).toList();
    }

    /** Waits until message {@code id} has left the queue: every recipient delivered or failed. */
    void awaitGone(String id) {
        Patience.await(id + " leaves the queue").until(() -> facteur.spool().find(QueueId.parse(id)).isEmpty());
    }

    /** Stops everything, each part even when another fails to stop. */
    @Override
    public void close() throws IOException {
        IOException failure = null;
        for (AutoCloseable part : List.of(facteur, provider, other, bounces, dns)) {
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
