package dev.facteur.it.delivery;

import static dev.facteur.it.delivery.MailWorld.SENDER;
import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.it.delivery.AuthSmarthost.Account;
import dev.facteur.it.delivery.AuthSmarthost.AuthCommand;
import dev.facteur.it.delivery.AuthSmarthost.Offer;
import dev.facteur.message.Envelope;
import dev.facteur.message.Recipient;
import dev.facteur.server.Facteur;
import dev.facteur.testing.Dnsmasq;
import dev.facteur.testing.FacteurCli;
import dev.facteur.testing.LogCapture;
import dev.facteur.testing.Loopback;
import dev.facteur.testing.MaildirReader;
import dev.facteur.tls.SelfSigned;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Delivery through a smarthost that wants a login (RFC 4954 SMTP AUTH), against a real relay
 * (aiosmtpd, see {@link AuthSmarthost}) on loopback. {@code [delivery] smarthost} sends every
 * recipient outside our domains there, {@code [[delivery.auth]]} gives the login per relay host,
 * and the password goes out only after STARTTLS unless the operator says otherwise
 * ({@code require_tls}). A refused login is the operator's mistake, not the message's: the
 * message waits in the queue (454 4.7.0) and nobody gets a bounce.
 *
 * <p>No recipient domain here is in DNS (the private dnsmasq answers NXDOMAIN for all of
 * {@code .test}): a message that arrives anywhere got there by the smarthost or the transport
 * map, never by MX routing.
 */
class SmarthostIT {

    static final String RELAY = Loopback.host();
    static final String PARTNER_RELAY = Loopback.host();
    static final Account ACCOUNT = new Account("relayuser", "s3cret-for-the-relay");
    static final Account PARTNER_ACCOUNT = new Account("partneruser", "an0ther-s3cret");

    @TempDir
    static Path shared;

    private static SelfSigned.PemFiles pem;
    private static Dnsmasq dns;

    @TempDir
    Path dir;

    private final List<AuthSmarthost> relays = new ArrayList<>();
    private Facteur facteur;
    private Path configFile;
    private LogCapture log;

    @BeforeAll
    static void startDnsAndMakeTheRelayCertificate() throws IOException {
        // names both relays go by: the certificate verifies for them (with ca_file), so passwords may go
        pem = SelfSigned.generate(shared.resolve("tls"), "relay.smarthost.test", "ip:" + RELAY, "ip:" + PARTNER_RELAY);
        dns = Dnsmasq.start(List.of("local=/test/"));
    }

    @AfterAll
    static void stopDns() {
        if (dns != null) dns.close();
    }

    @BeforeEach
    void listenToTheDeliveryLog() {
        log = LogCapture.attach("facteur.delivery");
    }

    @AfterEach
    void stopEverything() throws IOException {
        try {
            if (facteur != null) facteur.close();
        } finally {
            relays.forEach(AuthSmarthost::close);
            log.close();
        }
    }

    // ---- the specification

    @Test
    void remoteMailGoesToTheSmarthostOverStartTlsWithAuthPlainWhileLocalMailStaysHere() throws Exception {
        var relay = relay(RELAY, Offer.starttlsThen("PLAIN", "LOGIN"), ACCOUNT);
        startFacteur(relay, List.of(login(RELAY, ACCOUNT)), null);

        String id = submit(List.of("carol@remote.test", "bob@facteur.test", "dave@elsewhere.test"), "via the smarthost");
        awaitGone(id);

        // Both remote domains, in one transaction, with the envelope as submitted and the content intact.
        var received = relay.awaitReceived(1);
        assertThat(received).hasSize(1);
        var message = received.getFirst();
        assertThat(message.mailFrom()).isEqualTo(SENDER);
        assertThat(message.rcptTos()).containsExactly("carol@remote.test", "dave@elsewhere.test");
        assertThat(message.content()).startsWith("Received: ")
                .endsWith(new String(MailWorld.message(SENDER, "via the smarthost"), StandardCharsets.US_ASCII));
        // RFC 3207 then RFC 4954: TLS first (AUTH is not even offered before), then one AUTH PLAIN.
        assertThat(message.tls()).startsWith("TLSv1.");
        assertThat(message.login()).isEqualTo(ACCOUNT.username());
        assertThat(relay.ehlos()).first().satisfies(e -> {
            assertThat(e.tls()).isNull();
            assertThat(e.offeredStarttls()).isTrue();
            assertThat(e.offeredAuth()).isEmpty();
        });
        assertThat(relay.authCommands()).containsExactly(new AuthCommand("PLAIN", message.tls(), ACCOUNT.username(), true));

        // The local recipient is in its Maildir, and was never offered to the smarthost.
        List<MaildirReader.Message> local = MaildirReader.read(dir.resolve("mail").resolve("facteur.test").resolve("bob"));
        assertThat(local).hasSize(1);
        assertThat(local.getFirst().deliveredTo()).isEqualTo("bob@facteur.test");
        assertThat(local.getFirst().subject()).isEqualTo("via the smarthost");
        assertThat(received).noneMatch(m -> m.rcptTos().contains("bob@facteur.test"));

        assertThat(deliveryLog(id, 3)).satisfiesExactlyInAnyOrder(
                line -> assertThat(line).contains("to=<carol@remote.test>", "relay=" + RELAY + "[" + RELAY + "]:" + relay.port(),
                        "tls=TLSv1.", "status=sent"),
                line -> assertThat(line).contains("to=<dave@elsewhere.test>", "relay=" + RELAY + "[", "status=sent"),
                line -> assertThat(line).contains("to=<bob@facteur.test>", "relay=local", "status=sent"));
    }

    @Test
    void aSmarthostOfferingOnlyAuthLoginGetsAuthLogin() throws Exception {
        var relay = relay(RELAY, Offer.starttlsThen("LOGIN"), ACCOUNT);
        startFacteur(relay, List.of(login(RELAY, ACCOUNT)), null);

        String id = submit(List.of("carol@remote.test"), "auth login only");
        awaitGone(id);

        var message = relay.awaitReceived(1).getFirst();
        assertThat(message.rcptTos()).containsExactly("carol@remote.test");
        assertThat(message.login()).isEqualTo(ACCOUNT.username());
        assertThat(message.tls()).startsWith("TLSv1.");
        assertThat(relay.ehlos()).last().satisfies(e -> assertThat(e.offeredAuth()).containsExactly("LOGIN"));
        assertThat(relay.authCommands()).containsExactly(new AuthCommand("LOGIN", message.tls(), ACCOUNT.username(), true));
    }

    @Test
    void aRefusedPasswordKeepsTheMessageQueuedAndBouncesNothing() throws Exception {
        var relay = relay(RELAY, Offer.starttlsThen("PLAIN", "LOGIN"), ACCOUNT);
        startFacteur(relay, List.of(login(RELAY, new Account(ACCOUNT.username(), "not-the-password"))), null);

        String id = submit(List.of("carol@remote.test"), "wrong password");
        // Two attempts a second apart: refused each time, retried, never given up on.
        Envelope env = awaitEnvelope(id, "a second refused attempt", e -> e.schedule().attempts() >= 2);

        Recipient carol = env.recipients().getFirst();
        assertThat(carol.state()).isEqualTo(Recipient.State.PENDING);
        assertThat(carol.diagnostic()).startsWith("454 4.7.0 Authentication as relayuser with " + RELAY + " failed: ")
                .endsWith("535 5.7.8 Authentication credentials invalid");
        assertThat(deliveryLog(id, 2)).allSatisfy(line -> assertThat(line).contains("to=<carol@remote.test>",
                "relay=" + RELAY + "[", "dsn=4.7.0", "status=deferred", "535 5.7.8 Authentication credentials invalid"));

        // The relay saw the login tried over TLS and refused it, and took no message.
        assertThat(relay.authCommands()).hasSizeGreaterThanOrEqualTo(2)
                .allSatisfy(a -> {
                    assertThat(a.login()).isEqualTo(ACCOUNT.username());
                    assertThat(a.tls()).startsWith("TLSv1.");
                    assertThat(a.success()).isFalse();
                });
        assertThat(relay.received()).isEmpty();

        // No DSN: none waits in the queue, none reached the only relay there is.
        assertThat(queuedBounces()).isEmpty();
        var list = FacteurCli.run("queue", "list", "--config", configFile.toString());
        assertThat(list.exitCode()).as(list.toString()).isZero();
        assertThat(list.stdout()).contains(id, "carol@remote.test (deferred)", "last error: 454 4.7.0 Authentication as relayuser")
                .contains("-- 1 message,");
    }

    @Test
    void withoutStartTlsThePasswordIsNeverSentAndTheMessageWaits() throws Exception {
        // A relay inviting AUTH in the clear; require_tls is left at its default (true).
        var relay = relay(RELAY, Offer.inTheClear("PLAIN", "LOGIN"), ACCOUNT);
        startFacteur(relay, List.of(login(RELAY, ACCOUNT)), null);

        String id = submit(List.of("carol@remote.test"), "no tls no password");
        Envelope env = awaitEnvelope(id, "a second attempt", e -> e.schedule().attempts() >= 2);

        Recipient carol = env.recipients().getFirst();
        assertThat(carol.state()).isEqualTo(Recipient.State.PENDING);
        assertThat(carol.diagnostic()).isEqualTo("454 4.7.0 TLS is required before AUTH with " + RELAY + ", and it did not start TLS");
        assertThat(deliveryLog(id, 2)).allSatisfy(line ->
                assertThat(line).contains("to=<carol@remote.test>", "dsn=4.7.0", "status=deferred", "TLS is required before AUTH"));

        // Facteur did talk to it, was offered AUTH in the clear each time, and sent no AUTH command at all.
        assertThat(relay.ehlos()).hasSizeGreaterThanOrEqualTo(2).allSatisfy(e -> {
            assertThat(e.tls()).isNull();
            assertThat(e.offeredAuth()).containsExactly("LOGIN", "PLAIN");
        });
        assertThat(relay.authCommands()).isEmpty();
        assertThat(relay.received()).isEmpty();
        assertThat(queuedBounces()).isEmpty();
    }

    @Test
    void requireTlsFalseSendsThePasswordInTheClearWhenTheOperatorSaysSo() throws Exception {
        var relay = relay(RELAY, Offer.inTheClear("PLAIN", "LOGIN"), ACCOUNT);
        startFacteur(relay, List.of(login(RELAY, ACCOUNT).allowingCleartext()), null);

        String id = submit(List.of("carol@remote.test"), "cleartext by choice");
        awaitGone(id);

        var message = relay.awaitReceived(1).getFirst();
        assertThat(message.tls()).isNull();
        assertThat(message.login()).isEqualTo(ACCOUNT.username());
        assertThat(relay.authCommands()).containsExactly(new AuthCommand("PLAIN", null, ACCOUNT.username(), true));
    }

    @Test
    void aPasswordIsNeverSentToARelayThatDidNotAskForOne() throws Exception {
        // No STARTTLS, and AUTH offered only under TLS: this relay never advertises AUTH to us.
        var relay = relay(RELAY, new Offer(false, List.of("PLAIN"), true), ACCOUNT);
        startFacteur(relay, List.of(login(RELAY, ACCOUNT).allowingCleartext()), null);

        String id = submit(List.of("carol@remote.test"), "nobody asked");
        Envelope env = awaitEnvelope(id, "a second attempt", e -> e.schedule().attempts() >= 2);

        assertThat(env.recipients().getFirst().diagnostic())
                .isEqualTo("454 4.7.0 " + RELAY + " does not offer AUTH, and credentials are configured for it");
        assertThat(env.recipients().getFirst().remoteMta()).as("our verdict, not the relay's").isNull();
        assertThat(relay.authCommands()).isEmpty();
        assertThat(relay.received()).isEmpty();
    }

    @Test
    void aPasswordGoesOnlyToARelayWhoseCertificateVerifies() throws Exception {
        // The relay offers STARTTLS then AUTH, but its certificate is not trusted (no ca_file).
        var relay = relay(RELAY, Offer.starttlsThen("PLAIN", "LOGIN"), ACCOUNT);
        startFacteur(relay, List.of(login(RELAY, ACCOUNT).withoutTrustingTheRelayCertificate()), null);

        String id = submit(List.of("carol@remote.test"), "unverified relay");
        Envelope env = awaitEnvelope(id, "a second attempt", e -> e.schedule().attempts() >= 2);

        assertThat(env.recipients().getFirst().state()).isEqualTo(Recipient.State.PENDING);
        assertThat(env.recipients().getFirst().diagnostic()).startsWith("421 4.4.2 Connection to ").contains("certificat");
        assertThat(relay.authCommands()).isEmpty();
        assertThat(relay.received()).isEmpty();
    }

    @Test
    void aTransportMapSendsOneDomainToASecondRelayWithItsOwnLogin() throws Exception {
        var relay = relay(RELAY, Offer.starttlsThen("PLAIN", "LOGIN"), ACCOUNT);
        var partner = relay(PARTNER_RELAY, Offer.starttlsThen("PLAIN", "LOGIN"), PARTNER_ACCOUNT);
        startFacteur(relay, List.of(login(RELAY, ACCOUNT), login(PARTNER_RELAY, PARTNER_ACCOUNT)),
                "partner.test  smtp:" + partner.relay() + "\n");

        String id = submit(List.of("carol@remote.test", "erin@partner.test"), "two relays");
        awaitGone(id);

        var viaSmarthost = relay.awaitReceived(1).getFirst();
        var viaPartner = partner.awaitReceived(1).getFirst();
        assertThat(viaSmarthost.rcptTos()).containsExactly("carol@remote.test");
        assertThat(viaSmarthost.login()).isEqualTo(ACCOUNT.username());
        assertThat(viaPartner.rcptTos()).containsExactly("erin@partner.test");
        assertThat(viaPartner.login()).isEqualTo(PARTNER_ACCOUNT.username());
        assertThat(viaPartner.tls()).startsWith("TLSv1.");
        assertThat(viaPartner.mailFrom()).isEqualTo(SENDER);
        assertThat(viaPartner.content()).contains("Subject: two relays");
        // Each relay only ever saw its own login: credentials go by relay host, never to another.
        assertThat(relay.authCommands()).extracting(AuthCommand::login).containsOnly(ACCOUNT.username());
        assertThat(partner.authCommands()).extracting(AuthCommand::login).containsOnly(PARTNER_ACCOUNT.username());
        assertThat(relay.received()).hasSize(1);
        assertThat(partner.received()).hasSize(1);
    }

    // ---- the test world

    /**
     * One {@code [[delivery.auth]]} entry; {@code requireTls} null leaves the key out (default true);
     * {@code trustRelayCertificate} adds the relays' self-signed certificate as {@code ca_file}.
     */
    record Login(String host, Account account, Boolean requireTls, boolean trustRelayCertificate) {
        Login allowingCleartext() {
            return new Login(host, account, false, trustRelayCertificate);
        }

        Login withoutTrustingTheRelayCertificate() {
            return new Login(host, account, requireTls, false);
        }
    }

    private static Login login(String host, Account account) {
        return new Login(host, account, null, true);
    }

    private AuthSmarthost relay(String address, Offer offer, Account account) throws IOException {
        var relay = AuthSmarthost.start(address, dir.resolve("relay-" + address), pem, offer, account);
        relays.add(relay);
        return relay;
    }

    /**
     * A Facteur sending everything for other domains to {@code smarthost}, with mailboxes for
     * bob@facteur.test, these logins, and the transport map given (or none), retrying every second.
     */
    private void startFacteur(AuthSmarthost smarthost, List<Login> logins, String transportMap) throws IOException {
        StringBuilder auth = new StringBuilder();
        for (Login l : logins) {
            Path password = dir.resolve("password-" + l.host());
            Files.writeString(password, l.account().password() + "\n");
            auth.append("[[delivery.auth]]\nhost = \"").append(l.host()).append("\"\nusername = \"")
                    .append(l.account().username()).append("\"\npassword_file = '").append(password).append("'\n");
            if (l.requireTls() != null) auth.append("require_tls = ").append(l.requireTls()).append('\n');
            if (l.trustRelayCertificate()) auth.append("ca_file = '").append(pem.certificate()).append("'\n");
        }
        String routing = "";
        if (transportMap != null) {
            Path transport = dir.resolve("transport");
            Files.writeString(transport, transportMap);
            routing = "[routing]\ntransport_file = '" + transport + "'\n";
        }
        String local = """
                [local]
                domains = ["facteur.test"]
                users = ["bob"]
                maildir = '%s/{domain}/{user}'
                %s
                """.formatted(dir.resolve("mail"), routing);
        var config = MailWorld.config(dir.resolve("data"), local, dns.hostPort())
                .delivery(Map.of("smarthost", smarthost.relay(), "retry_max", "1s")).delivery(auth.toString());
        configFile = config.writeTo(dir.resolve("facteur.toml"));
        facteur = config.start();
    }

    private String submit(List<String> recipients, String subject) throws IOException {
        return MailWorld.submit(facteur, SENDER, recipients, subject);
    }

    private Envelope awaitEnvelope(String id, String what, Predicate<Envelope> condition) {
        return MailWorld.awaitEnvelope(facteur, id, what, condition);
    }

    private void awaitGone(String id) {
        MailWorld.awaitGone(facteur, id);
    }

    private List<Envelope> queuedBounces() {
        return MailWorld.queuedBounces(facteur);
    }

    /** Waits for at least {@code n} per-recipient attempt lines ({@code to=<…>}) of message {@code id} in the delivery log. */
    private List<String> deliveryLog(String id, int n) {
        return log.await("delivery of " + id, l -> l.startsWith(id + ": to=<"), n);
    }
}
