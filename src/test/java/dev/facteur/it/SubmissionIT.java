package dev.facteur.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.server.Facteur;
import dev.facteur.testing.ExternalProcess;
import dev.facteur.testing.FacteurCli;
import dev.facteur.testing.LogCapture;
import dev.facteur.testing.StoredContent;
import dev.facteur.testing.TestConfig;
import dev.facteur.tls.SelfSigned;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * The submission ports as mail clients use them: swaks and Python's smtplib log in over STARTTLS
 * (port 587 style) and implicit TLS (port 465 style) with a user that {@code facteur user add}
 * made, and relay anywhere; without TLS or without a login they cannot send.
 */
class SubmissionIT {

    private static final String USER = "alice@example.test";
    /** A user whose entry holds SCRAM keys, as SCRAM-SHA-256 needs. */
    private static final String SCRAM_USER = "carol@example.test";
    private static final String PASSWORD = "correct horse battery"; // smtplib sends ASCII only; UTF-8 ones: LoginsTest

    @TempDir
    Path dir;
    private Facteur facteur;
    private InetSocketAddress submission, submissions;

    @BeforeEach
    void start() throws Exception {
        var pem = SelfSigned.generate(dir.resolve("tls"), "mx.facteur.test");
        var config = TestConfig.in(dir.resolve("data")).tls(pem).tables("""
                [relay]
                networks = ["192.0.2.0/24"]  # not loopback: the clients here relay because they log in
                [local]
                domains = ["example.test"]
                users = ["alice", "bob", "carol"]
                [submission]
                listen = ["127.0.0.1:0"]
                listen_tls = ["127.0.0.1:0"]
                users_file = "%s"
                messages_per_hour = 2
                [[submission.senders]]
                login = "alice@example.test"
                addresses = ["@example.net"]
                """.formatted(dir.resolve("users")));
        Path file = config.writeTo(dir.resolve("facteur.toml"));
        InputStream stdin = System.in;
        try {
            System.setIn(new ByteArrayInputStream((PASSWORD + "\n").getBytes(StandardCharsets.UTF_8)));
            var added = FacteurCli.run("user", "add", USER, "--scheme", "SHA512-CRYPT", "--config", file.toString());
            assertThat(added.exitCode()).as(added.toString()).isZero();
            System.setIn(new ByteArrayInputStream((PASSWORD + "\n").getBytes(StandardCharsets.UTF_8)));
            var scram = FacteurCli.run("user", "add", SCRAM_USER, "--scheme", "SCRAM-SHA-256", "--config", file.toString());
            assertThat(scram.exitCode()).as(scram.toString()).isZero();
        } finally {
            System.setIn(stdin);
        }
        facteur = config.start();
        submission = facteur.submissionAddresses().getFirst();
        submissions = facteur.submissionsAddresses().getFirst();
    }

    @AfterEach
    void stop() throws Exception {
        if (facteur != null) facteur.close();
    }

    private static ExternalProcess.Result swaks(InetSocketAddress at, String... options) throws Exception {
        List<String> command = new ArrayList<>(List.of("swaks", "--server", at.getAddress().getHostAddress(), "--port",
                String.valueOf(at.getPort()), "--helo", "laptop.example.test", "--to", "friend@elsewhere.example"));
        if (!List.of(options).contains("--from")) command.addAll(List.of("--from", USER));
        command.addAll(List.of(options));
        return ExternalProcess.run(command);
    }

    private static final Pattern QUEUED = Pattern.compile("250 2\\.0\\.0 Ok: queued as (\\S+)");

    private String queuedId(ExternalProcess.Result r) {
        Matcher m = QUEUED.matcher(r.stdout());
        assertThat(m.find()).as(r.toString()).isTrue();
        return m.group(1);
    }

    @Test
    void swaksLogsInAfterStartTlsAndRelaysToAnotherDomain() throws Exception {
        var r = swaks(submission, "--tls", "--auth", "PLAIN", "--auth-user", USER, "--auth-password", PASSWORD);
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.stdout()).contains("235 2.7.0 Authentication successful");
        String stored = StoredContent.text(facteur.spool(), queuedId(r));
        assertThat(stored).contains("with ESMTPSA id").doesNotContain("Authenticated sender"); // the login stays private
    }

    @Test
    void swaksLogsInWithLoginOnTheImplicitTlsPort() throws Exception {
        var r = swaks(submissions, "--tlsc", "--auth", "LOGIN", "--auth-user", USER, "--auth-password", PASSWORD);
        assertThat(r.exitCode()).as(r.toString()).isZero();
        queuedId(r);
    }

    @Test
    void withoutTlsAuthIsNotOfferedAndMailIsRefused() throws Exception {
        var noTls = swaks(submission, "--quit-after", "EHLO");
        assertThat(noTls.stdout()).contains("250 STARTTLS").doesNotContain("AUTH");
        var mail = swaks(submission);
        assertThat(mail.stdout()).contains("530 5.7.0 Must issue a STARTTLS command first");
        assertThat(facteur.spool().messages()).isEmpty();
    }

    @Test
    void withoutALoginMailIsRefused() throws Exception {
        var r = swaks(submission, "--tls");
        assertThat(r.stdout()).contains("250 AUTH SCRAM-SHA-256 PLAIN LOGIN").contains("530 5.7.0 Authentication required");
        assertThat(facteur.spool().messages()).isEmpty();
    }

    @Test
    void aWrongPasswordIsRefusedWith535() throws Exception {
        var r = swaks(submission, "--tls", "--auth", "PLAIN", "--auth-user", USER, "--auth-password", "wrong");
        assertThat(r.stdout()).contains("535 5.7.8 Authentication credentials invalid");
        assertThat(facteur.spool().messages()).isEmpty();
    }

    @Test
    void failedLoginsAreLoggedSoThatFail2bansPostfixRulesFindTheAddress() throws Exception {
        Path filters = dir.resolve("filter.d"); // as installed: Debian's postfix.conf and common.conf beside ours
        Files.createDirectories(filters);
        for (String f : List.of("postfix.conf", "common.conf"))
            Files.copy(Path.of("/etc/fail2ban/filter.d", f), filters.resolve(f));
        Files.copy(Path.of("contrib/fail2ban/filter.d/facteur.conf"), filters.resolve("facteur.conf"));
        Path log = dir.resolve("facteur.log");
        try (var capture = LogCapture.attach("facteur.smtpd")) {
            swaks(submission, "--tls", "--auth", "PLAIN", "--auth-user", USER, "--auth-password", "wrong");
            swaks(submission, "--tls", "--auth", "LOGIN", "--auth-user", "nobody@example.test", "--auth-password", "wrong");
            queuedId(swaks(submission, "--tls", "--auth", "PLAIN", "--auth-user", USER, "--auth-password", PASSWORD));
            Files.write(log, capture.linesAsServed().stream().map(String::stripTrailing).toList());
        }
        var r = ExternalProcess.run(List.of("fail2ban-regex", "--print-all-matched", log.toString(), filters.resolve("facteur.conf").toString()));
        assertThat(r.stdout()).as(r.toString()).contains("Failregex: 2 total").contains("127.0.0.1");
        assertThat(r.stdout()).containsPattern("Lines: \\d+ lines, 0 ignored, 2 matched");
    }

    @Test
    void msmtpLogsInWithScramSha256OverBothPorts() throws Exception {
        for (var at : List.of(submission, submissions)) {
            Path conf = dir.resolve("msmtprc-" + at.getPort());
            Files.writeString(conf, """
                    account default
                    host %s
                    port %d
                    tls on
                    tls_starttls %s
                    tls_certcheck off
                    auth scram-sha-256
                    user %s
                    password %s
                    from %s
                    """.formatted(at.getHostString(), at.getPort(), at == submission ? "on" : "off", SCRAM_USER, PASSWORD, SCRAM_USER));
            Files.setPosixFilePermissions(conf, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
            Path message = dir.resolve("message");
            Files.writeString(message, "From: Carol <" + SCRAM_USER + ">\nTo: friend@elsewhere.example\nSubject: from msmtp\n\nHello.\n");
            var r = ExternalProcess.run(List.of("/bin/sh", "-c", "msmtp -C '" + conf + "' -t < '" + message + "'"));
            assertThat(r.exitCode()).as(r.toString()).isZero();
        }
        assertThat(facteur.spool().messages()).hasSize(2);
    }

    @Test
    void neomuttSendsInBatchMode() throws Exception {
        Path muttrc = dir.resolve("muttrc");
        Files.writeString(muttrc, """
                set from = "%s"
                set realname = "Alice"
                set smtp_url = "smtp://%s@%s:%d/"
                set smtp_pass = "%s"
                set smtp_authenticators = "plain"
                set ssl_starttls = yes
                set ssl_force_tls = yes
                set certificate_file = "%s"
                set ssl_verify_host = no
                set record = ""
                set folder = "%s"
                set tmpdir = "%s"
                """.formatted(USER, USER.replace("@", "%40"), submission.getHostString(), submission.getPort(), PASSWORD,
                dir.resolve("tls/cert.pem"), dir, dir)); // the self-signed certificate, trusted as neomutt keeps accepted ones
        Path body = dir.resolve("body");
        Files.writeString(body, "Hello from neomutt.\n");
        var r = ExternalProcess.run(List.of("/bin/sh", "-c", "HOME='" + dir + "' neomutt -d 2 -n -F '" + muttrc
                + "' -s 'from neomutt' friend@elsewhere.example < '" + body + "'"));
        assertThat(r.exitCode()).as(r.toString()).isZero(); // its debug log (-d 2) goes to stderr, shown here on failure
        assertThat(facteur.spool().messages()).hasSize(1);
        String stored = StoredContent.text(facteur.spool(), facteur.spool().messages().getFirst().envelope().id().toString());
        assertThat(stored).contains("Subject: from neomutt").contains("Hello from neomutt.");
    }

    @Test
    void pythonsSmtplibLogsInOverStartTlsAndOverImplicitTls() throws Exception {
        for (var at : List.of(submission, submissions)) {
            JsonNode r = ExternalProcess.python("/it/submit.py", at == submission ? "starttls" : "ssl", at.getAddress().getHostAddress(),
                    String.valueOf(at.getPort()), USER, PASSWORD, USER, "friend@elsewhere.example");
            assertThat(r.has("queued")).as(r.toString()).isTrue();
            assertThat(r.get("login").get(0).asInt()).isEqualTo(235);
            if (at == submission) assertThat(r.get("auth_before_tls").asBoolean()).isFalse();
        }
        JsonNode wrong = ExternalProcess.python("/it/submit.py", "starttls", submission.getAddress().getHostAddress(),
                String.valueOf(submission.getPort()), USER, "nope", USER, "friend@elsewhere.example");
        assertThat(wrong.get("error").get(0).asInt()).as(wrong.toString()).isEqualTo(535);
        assertThat(facteur.spool().messages()).hasSize(2);
    }

    private ExternalProcess.Result swaksAs(String from, String... more) throws Exception {
        List<String> options = new ArrayList<>(List.of("--tls", "--auth", "PLAIN", "--auth-user", USER, "--auth-password", PASSWORD,
                "--from", from));
        options.addAll(List.of(more));
        return swaks(submission, options.toArray(String[]::new));
    }

    @Test
    void aUserSendsOnlyAsThemselvesOrWhatIsGrantedToThem() throws Exception {
        var other = swaksAs("bob@example.test");
        assertThat(other.stdout()).contains("553 5.7.1 <bob@example.test>: Sender address rejected: not owned by user " + USER);
        var forgedFrom = swaksAs(USER, "--header", "From: The Boss <bob@example.test>");
        assertThat(forgedFrom.stdout()).contains("553 5.7.1 <bob@example.test>: From address rejected: not owned by user " + USER);
        assertThat(facteur.spool().messages()).isEmpty();
        var granted = swaksAs("news@example.net", "--header", "From: News <news@example.net>");
        assertThat(granted.exitCode()).as(granted.toString()).isZero();
        queuedId(granted);
    }

    @Test
    void aUserOverTheHourlyLimitIsToldToWait() throws Exception {
        for (int i = 0; i < 2; i++) queuedId(swaksAs(USER));
        var third = swaksAs(USER);
        assertThat(third.stdout()).contains("451 4.7.1 Sending limit reached (2 messages an hour)");
        assertThat(facteur.spool().messages()).hasSize(2);
    }

    @Test
    void port25StillRefusesToRelayForStrangersAndOffersNoAuth() throws Exception {
        var r = swaks(facteur.smtpAddresses().getFirst(), "--quit-after", "RCPT");
        assertThat(r.stdout()).doesNotContain("AUTH").contains("554 5.7.1 Relay access denied");
    }
}
