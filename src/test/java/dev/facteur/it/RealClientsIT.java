package dev.facteur.it;

import static dev.facteur.it.Smtplib.bdat;
import static dev.facteur.it.Smtplib.data;
import static dev.facteur.it.Smtplib.ehlo;
import static dev.facteur.it.Smtplib.mail;
import static dev.facteur.it.Smtplib.noop;
import static dev.facteur.it.Smtplib.quit;
import static dev.facteur.it.Smtplib.rcpt;
import static dev.facteur.it.Smtplib.sendmail;
import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.message.Envelope;
import dev.facteur.message.Mailbox;
import dev.facteur.message.Notify;
import dev.facteur.message.QueueId;
import dev.facteur.message.Recipient;
import dev.facteur.message.Ret;
import dev.facteur.server.Facteur;
import dev.facteur.testing.ExternalProcess;
import dev.facteur.testing.FacteurCli;
import dev.facteur.testing.Loopback;
import dev.facteur.testing.StoredContent;
import dev.facteur.testing.TestConfig;
import dev.facteur.testing.WireReply;
import dev.facteur.tls.SelfSigned;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Real SMTP clients (swaks, Python's smtplib) against a Facteur started in this JVM: what they
 * send must end up in the spool exactly as sent, with the envelope they gave.
 */
class RealClientsIT {

    @TempDir
    Path dir;

    private Facteur facteur;

    @AfterEach
    void stop() throws IOException {
        if (facteur != null) facteur.close();
    }

    private InetSocketAddress start(String smtpKeys, String tables) throws Exception {
        facteur = TestConfig.in(dir.resolve("data")).smtp(smtpKeys).tables(tables).start();
        return facteur.smtpAddresses().getFirst();
    }

    private InetSocketAddress start() throws Exception {
        return start("", "");
    }

    private Envelope envelope(String id) {
        return facteur.spool().find(QueueId.parse(id)).orElseThrow(() -> new AssertionError("no message " + id)).envelope();
    }

    private String content(String id) throws IOException {
        return StoredContent.text(facteur.spool(), id);
    }

    private static List<String> addresses(Envelope e) {
        return e.recipients().stream().map(r -> r.address().toString()).toList();
    }

    private ExternalProcess.Result swaks(InetSocketAddress server, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("swaks", "--server", "127.0.0.1", "--port",
                String.valueOf(server.getPort()), "--helo", "client.test", "--timeout", "15"));
        cmd.addAll(List.of(args));
        return ExternalProcess.run(cmd);
    }

    // ---- swaks -------------------------------------------------------------------------------

    @ParameterizedTest(name = "pipelining = {0}")
    @ValueSource(booleans = {false, true})
    void swaksMessageIsQueuedWithOurReceivedHeaderAndTheBodyIntact(boolean pipelining) throws Exception {
        var server = start();
        String token = UUID.randomUUID().toString();
        // RFC 5321 §4.5.2: swaks dot-stuffs the lines starting with "."; we must remove exactly one dot.
        String body = "First line, token " + token + "\r\n"
                + ".a line starting with a dot\r\n"
                + "..two dots\r\n"
                + "last line\r\n";
        Path bodyFile = dir.resolve("body.txt");
        Files.writeString(bodyFile, body);
        List<String> args = new ArrayList<>(List.of("--from", "alice@sender.test", "--to", "bob@example.test",
                "--header", "Subject: swaks test", "--body", "@" + bodyFile));
        if (pipelining) args.add("--pipeline");

        var run = swaks(server, args.toArray(String[]::new));

        assertThat(run.exitCode()).as(run.toString()).isZero();
        // RFC 2920: pipelined, swaks sends MAIL, RCPT and DATA before reading a reply; otherwise it waits for each
        List<String> transcript = run.stdout().lines().map(String::strip).toList();
        int mail = transcript.indexOf(transcript.stream().filter(l -> l.startsWith("-> MAIL FROM:")).findFirst().orElseThrow());
        if (pipelining) assertThat(transcript.subList(mail, mail + 3)).as("swaks really pipelined")
                .satisfiesExactly(l -> assertThat(l).startsWith("-> MAIL FROM:"), l -> assertThat(l).startsWith("-> RCPT TO:"),
                        l -> assertThat(l).isEqualTo("-> DATA"));
        else assertThat(transcript.get(mail + 1)).as("swaks waited for the reply to MAIL").startsWith("<-  250");
        String id = WireReply.queueIdIn(run.stdout());
        assertThat(id).as("swaks saw '250 ... queued as ID'\n" + run).isNotNull();
        assertThat(run.stdout()).containsPattern("<-\\s+250 2\\.0\\.0 Ok: queued as " + id);

        Envelope e = envelope(id);
        assertThat(e.sender().toString()).isEqualTo("alice@sender.test");
        assertThat(addresses(e)).containsExactly("bob@example.test");
        assertThat(e.client().helo()).isEqualTo("client.test");
        assertThat(e.client().address()).isEqualTo("127.0.0.1");

        String content = content(id);
        // RFC 5321 §4.4: the trace header comes first and names us, the protocol and the queue id.
        assertThat(content).startsWith("Received: from client.test ([127.0.0.1])\r\n");
        assertThat(StoredContent.traceHeader(content))
                .contains("\tby " + TestConfig.HOSTNAME + " (Facteur) with ESMTP id " + id + "\r\n")
                .contains("\tfor <bob@example.test>; ");
        assertThat(StoredContent.afterTraceHeader(content))
                .contains("Subject: swaks test\r\n")
                .contains("\r\n\r\n" + body);
    }

    // ---- Python smtplib ----------------------------------------------------------------------

    @Test
    void smtplibSendmailQueuesThePlainMessageByteForByte() throws Exception {
        var server = start();
        String message = """
                From: Alice <alice@sender.test>\r
                To: Bob <bob@example.test>\r
                Subject: hello from smtplib\r
                \r
                Hello Bob,\r
                .this line starts with a dot and smtplib stuffed it\r
                bye\r
                """;

        var replies = Smtplib.session(server, sendmail("alice@sender.test", List.of("bob@example.test"), message, List.of()));

        assertThat(replies.getFirst().code()).isEqualTo(250);
        String id = replies.getFirst().queueId();
        assertThat(id).isNotNull();
        assertThat(envelope(id).sender().toString()).isEqualTo("alice@sender.test");
        assertThat(addresses(envelope(id))).containsExactly("bob@example.test");
        String content = content(id);
        assertThat(StoredContent.traceHeader(content)).contains(" with ESMTP id " + id + "\r\n");
        assertThat(StoredContent.afterTraceHeader(content)).isEqualTo(message);
    }

    @Test
    void messageForSeveralRecipientsIsQueuedOnceWithAllOfThemInOrder() throws Exception {
        var server = start();
        List<String> to = List.of("bob@example.test", "carol@example.org", "dave@example.net");

        var replies = Smtplib.session(server,
                sendmail("alice@sender.test", to, "Subject: to three\r\n\r\nhi all\r\n", List.of()));

        String id = replies.getFirst().queueId();
        assertThat(id).as(replies.toString()).isNotNull();
        assertThat(facteur.spool().messages()).hasSize(1);
        assertThat(addresses(envelope(id))).containsExactlyElementsOf(to);
        assertThat(envelope(id).recipients()).allMatch(r -> r.state() == Recipient.State.PENDING);
        // With several recipients the Received header names none of them (no FOR clause).
        assertThat(StoredContent.traceHeader(content(id))).doesNotContain("for <");
    }

    @Test
    void smtputf8SessionKeepsTheUtf8LocalPartsAsReceived() throws Exception { // RFC 6531
        var server = start();
        String message = "From: jösé@sender.test\r\nTo: zoë@example.test\r\nSubject: Grüße\r\n\r\nÇa va? ✉\r\n";

        var replies = Smtplib.session(server, ehlo(),
                sendmail("jösé@sender.test", List.of("zoë@example.test"), message, List.of("SMTPUTF8")));

        assertThat(replies.getFirst().lines()).anyMatch(l -> l.equals("SMTPUTF8"));
        WireReply queued = replies.get(1);
        assertThat(queued.code()).as(queued.toString()).isEqualTo(250);
        Envelope e = envelope(queued.queueId());
        assertThat(e.smtpUtf8()).isTrue();
        assertThat(e.sender().mailbox()).contains(new Mailbox("jösé", "sender.test"));
        assertThat(e.recipients().getFirst().address()).isEqualTo(new Mailbox("zoë", "example.test"));
        String content = content(queued.queueId());
        // RFC 6531 §3.7.3: the WITH clause says UTF8SMTP for an SMTPUTF8 transaction.
        assertThat(StoredContent.traceHeader(content)).contains(" with UTF8SMTP id " + queued.queueId());
        assertThat(StoredContent.afterTraceHeader(content)).isEqualTo(message);
    }

    @Test
    void bdatChunksAreJoinedIntoOneMessageWithoutDotUnstuffing() throws Exception { // RFC 3030 §2
        var server = start();
        // The CR LF ending "Subject" straddles the two chunks; BDAT has no dot-stuffing, so ".." stays.
        String chunk1 = "From: alice@sender.test\r\nSubject: chunked\r";
        String chunk2 = "\n\r\n..two dots stay two dots in BDAT\r\nend\r\n";

        var replies = Smtplib.session(server, ehlo(), mail("alice@sender.test"), rcpt("bob@example.test"),
                bdat(chunk1, false), bdat(chunk2, true));

        assertThat(replies.getFirst().lines()).contains("CHUNKING");
        assertThat(replies.get(3).code()).as(replies.toString()).isEqualTo(250);
        WireReply last = replies.get(4);
        assertThat(last.code()).as(replies.toString()).isEqualTo(250);
        assertThat(StoredContent.afterTraceHeader(content(last.queueId()))).isEqualTo(chunk1 + chunk2);
        assertThat(facteur.spool().messages()).hasSize(1);
    }

    @Test
    void dsnParametersAreKeptInTheStoredEnvelope() throws Exception { // RFC 3461 §4
        var server = start();

        var replies = Smtplib.session(server, ehlo(),
                mail("alice@sender.test", "RET=HDRS", "ENVID=QQ314159"),
                rcpt("bob@example.test", "NOTIFY=SUCCESS,FAILURE", "ORCPT=rfc822;x@y"),
                rcpt("carol@example.test", "NOTIFY=NEVER"),
                rcpt("dave@example.test"),
                data("Subject: dsn\r\n\r\nbody\r\n"));

        assertThat(replies).extracting(WireReply::code).containsExactly(250, 250, 250, 250, 250, 250);
        String id = replies.getLast().queueId();
        Envelope e = envelope(id);
        assertThat(e.ret()).isEqualTo(Ret.HDRS);
        assertThat(e.envid()).isEqualTo("QQ314159");
        Recipient bob = e.recipients().get(0);
        assertThat(bob.dsnNotify()).isEqualTo(new Notify(EnumSet.of(Notify.Condition.SUCCESS, Notify.Condition.FAILURE), true));
        assertThat(bob.orcpt()).isEqualTo("rfc822;x@y");
        assertThat(e.recipients().get(1).dsnNotify().isNever()).isTrue();
        assertThat(e.recipients().get(2).dsnNotify()).isEqualTo(Notify.DEFAULT);
        assertThat(e.recipients().get(2).orcpt()).isNull();

        // The operator's view: `facteur queue show` prints them too (read-only, beside the running server).
        Path configFile = TestConfig.in(dir.resolve("data")).writeTo(dir.resolve("facteur.toml"));
        var show = FacteurCli.run("queue", "show", "--envelope-only", "--config", configFile.toString(), id);
        assertThat(show.exitCode()).as(show.toString()).isZero();
        assertThat(show.stdout())
                .contains("Ret: HDRS\n")
                .contains("Envid: QQ314159\n")
                .contains("Recipient: <bob@example.test> pending NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;x@y\n")
                .contains("Recipient: <carol@example.test> pending NOTIFY=NEVER\n")
                .contains("Recipient: <dave@example.test> pending\n");
    }

    // ---- smtp-source --------------------------------------------------------------------------

    @Test
    void smtpSourceWithExactlyThePerAddressLimitOfSessionsIsNeverRefused() throws Exception {
        // smtp-source waits for 221 after QUIT and reconnects at once: its session's slot must be free by then.
        var server = start("max_connections_per_ip = 10", "");

        var run = ExternalProcess.run(List.of("/usr/sbin/smtp-source", "-s", "10", "-m", "300",
                "-l", "1000", "-M", "client.test", "-f", "alice@sender.test", "-t", "bob@example.test",
                "127.0.0.1:" + server.getPort()));

        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(run.stderr()).as(run.toString()).isEmpty();
        assertThat(facteur.spool().messages()).hasSize(300);
    }

    // ---- STARTTLS ----------------------------------------------------------------------------

    @Test
    void swaksOverStartTlsIsRecordedAsEsmtpsWithTheTlsVersion() throws Exception { // RFC 3207, RFC 3848
        var pem = SelfSigned.generate(dir.resolve("tls"), TestConfig.HOSTNAME);
        var server = start("", """
                [tls]
                certificate = '%s'
                private_key = '%s'
                """.formatted(pem.certificate(), pem.privateKey()));

        var run = swaks(server, "--tls", "--from", "alice@sender.test", "--to", "bob@example.test");

        assertThat(run.exitCode()).as(run.toString()).isZero();
        String out = run.stdout();
        int tlsStart = out.indexOf("=== TLS started");
        assertThat(tlsStart).as(out).isPositive();
        // Before TLS the server offers STARTTLS; in the EHLO reply after it, it must not (RFC 3207 §4.2).
        assertThat(out.substring(0, tlsStart)).containsPattern("<-\\s+250[- ]STARTTLS");
        String afterTls = out.substring(tlsStart);
        List<String> ehloOverTls = afterTls.lines().filter(l -> l.matches("<~\\s+250[- ].*")).toList();
        assertThat(ehloOverTls).anyMatch(l -> l.endsWith("PIPELINING")).noneMatch(l -> l.contains("STARTTLS"));

        String id = WireReply.queueIdIn(afterTls);
        assertThat(id).as(out).isNotNull();
        Envelope e = envelope(id);
        assertThat(e.client().protocol()).isEqualTo("ESMTPS");
        assertThat(e.client().tls()).startsWith("TLSv1.");
        String trace = StoredContent.traceHeader(content(id));
        assertThat(trace).contains(" with ESMTPS id " + id).containsPattern("\\(using TLSv1\\.[23] with cipher \\S+\\)");
    }

    // ---- Relay control -----------------------------------------------------------------------

    private static final String RELAY_ONLY_FROM_127_0_0_1 = """
            [relay]
            networks = ["127.0.0.1/32"]
            [local]
            domains = ["facteur.test"]
            users = ["carol", "dave"]
            """;

    @Test
    void clientOutsideTheRelayNetworksMayOnlyMailLocalDomainsAndPostmaster() throws Exception { // RFC 5321 §3.6.2, §4.5.1
        var server = start("", RELAY_ONLY_FROM_127_0_0_1);

        String outsider = Loopback.host(); // another host: not in 127.0.0.1/32
        var replies = Smtplib.session(server, outsider, ehlo(),
                mail("alice@sender.test"),
                rcpt("bob@elsewhere.test"),
                rcpt("carol@facteur.test"),
                rcpt("dave@FACTEUR.TEST"),
                rcpt("postmaster"),
                data("Subject: local only\r\n\r\nhi\r\n"));

        assertThat(replies.get(2).code()).isEqualTo(554);
        assertThat(replies.get(2).text()).startsWith("5.7.1 ");
        assertThat(replies.subList(3, 6)).extracting(WireReply::code).containsExactly(250, 250, 250);
        WireReply queued = replies.get(6);
        assertThat(queued.code()).as(replies.toString()).isEqualTo(250);
        Envelope e = envelope(queued.queueId());
        assertThat(e.client().address()).isEqualTo(outsider);
        // the bare <Postmaster> (RFC 5321 §4.1.1.3) is the postmaster of our (first) domain
        assertThat(addresses(e)).containsExactly("carol@facteur.test", "dave@FACTEUR.TEST", "postmaster@facteur.test");
    }

    @Test
    void clientInsideTheRelayNetworksMayMailAnyDomain() throws Exception {
        var server = start("", RELAY_ONLY_FROM_127_0_0_1);

        var replies = Smtplib.session(server, "127.0.0.1", ehlo(), mail("alice@sender.test"), rcpt("bob@elsewhere.test"));

        assertThat(replies.get(2).code()).as(replies.toString()).isEqualTo(250);
    }

    // ---- SIZE (RFC 1870) ---------------------------------------------------------------------

    private static final String TEN_KB = "max_message_size = \"10KB\"";

    @Test
    void mailDeclaringASizeOverTheLimitIsRefusedWith552() throws Exception { // RFC 1870 §6.1
        var server = start(TEN_KB, "");

        var replies = Smtplib.session(server, ehlo(),
                mail("alice@sender.test", "SIZE=10241"), noop(),
                mail("alice@sender.test", "SIZE=10240"));

        assertThat(replies.getFirst().lines()).contains("SIZE 10240");
        assertThat(replies.get(1).code()).isEqualTo(552);
        assertThat(replies.get(1).text()).startsWith("5.3.4 ");
        assertThat(replies.get(3).code()).as("exactly the limit is fine").isEqualTo(250);
    }

    @Test
    void smtplibDeclaresTheSizeOfABigMessageAndIsRefusedAtMail() throws Exception { // RFC 1870 §6.1
        var server = start(TEN_KB, "");
        String big = "Subject: big\r\n\r\n" + "x".repeat(100).concat("\r\n").repeat(200);

        var replies = Smtplib.session(server, sendmail("alice@sender.test", List.of("bob@example.test"), big, List.of()));

        assertThat(replies.getFirst().code()).isEqualTo(552);
        assertThat(replies.getFirst().text()).startsWith("5.3.4 ");
        assertThat(facteur.spool().messages()).isEmpty();
    }

    @Test
    void dataOverTheLimitIsReadToTheEndThenRefusedWith552() throws Exception { // RFC 1870 §6.2
        var server = start(TEN_KB, "");
        String big = "Subject: big\r\n\r\n" + "x".repeat(100).concat("\r\n").repeat(200);

        var replies = Smtplib.session(server, ehlo(), mail("alice@sender.test"), rcpt("bob@example.test"),
                data(big), noop(), quit());

        assertThat(replies.get(3).code()).as(replies.toString()).isEqualTo(552);
        assertThat(replies.get(3).text()).startsWith("5.3.4 ");
        assertThat(replies.get(4).code()).as("the session goes on after the refusal").isEqualTo(250);
        assertThat(replies.get(5).code()).isEqualTo(221);
        assertThat(facteur.spool().messages()).isEmpty();
    }
}
