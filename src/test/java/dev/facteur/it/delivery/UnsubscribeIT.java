package dev.facteur.it.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.auth.dkim.DkimKeys;
import dev.facteur.testing.ExternalProcess;
import dev.facteur.testing.FacteurCli;
import dev.facteur.testing.Loopback;
import dev.facteur.testing.Patience;
import dev.facteur.testing.SmtpSink;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * RFC 8058 from end to end: an application relays a newsletter to one reader elsewhere; it
 * leaves with a one-click link that the DKIM signature covers; the reader's mail client (curl)
 * POSTs to the link, and the reader is on the suppression list, as {@code facteur suppression}
 * shows, with an {@code unsubscribed} event for the application. A GET of the link first, as a
 * link scanner does, changes nothing.
 */
class UnsubscribeIT {

    private static final String REMOTE = "readers.test";
    private static final String READER = "reader@" + REMOTE;
    private static final Pattern LINK = Pattern.compile("(?m)^List-Unsubscribe: <(http://[^>]+)>\r?$");

    @TempDir
    Path dir;

    private MailWorld world;

    @AfterEach
    void stop() throws Exception {
        if (world != null) world.close();
    }

    @Test
    void aReaderWhoClicksUnsubscribeInTheirMailClientIsSuppressedForTheSenderDomain() throws Exception {
        KeyPair key = DkimKeys.generate("ed25519", 0);
        DkimKeys.writePrivateKey(key, dir.resolve("ed.key"));
        String mx = MailWorld.newHost();
        String unsubscribeHost = Loopback.host(); // a host of its own: the fixed port is free there
        world = MailWorld.start(dir, MailWorld.mx(REMOTE, mx), Clock.systemDefaultZone(), c -> c.tables("""
                [[dkim.keys]]
                domain = "%s"
                selector = "ed2026"
                private_key = "%s"
                [events]
                enabled = true
                [unsubscribe]
                enabled = true
                url = "http://%s:8026/u"
                listen = ["%s:8026"]
                """.formatted(MailWorld.SENDER_DOMAIN, dir.resolve("ed.key"), unsubscribeHost, unsubscribeHost)));
        SmtpSink sink = world.sink(mx);
        assertThat(world.facteur().unsubscribeAddresses()).singleElement().satisfies(a -> assertThat(a.getPort()).isEqualTo(8026));

        byte[] newsletter = ("From: Sender News <" + MailWorld.SENDER + ">\r\nTo: <" + READER + ">\r\nSubject: November news\r\n"
                + "Precedence: bulk\r\nMessage-ID: <november@sender.test>\r\n\r\nWhat happened in November.\r\n").getBytes(StandardCharsets.US_ASCII);
        world.submit("<" + MailWorld.SENDER + ">", List.of("<" + READER + ">"), newsletter);
        String received = MailWorld.awaitReceived(sink, 1).getFirst();

        Matcher link = LINK.matcher(received);
        assertThat(link.find()).as("a List-Unsubscribe link in:\n" + received).isTrue();
        String url = link.group(1);
        assertThat(url).startsWith("http://" + unsubscribeHost + ":8026/u/");
        assertThat(received).containsPattern("(?m)^List-Unsubscribe-Post: List-Unsubscribe=One-Click\r?$");
        assertThat(signedFields(received)).as("RFC 8058 §4: both signed").contains("list-unsubscribe", "list-unsubscribe-post");
        if (dkimpyInstalled()) assertThat(dkimpy(received, key)).isEqualTo("ed2026 pass");

        var scanned = curl("-sS", "--max-redirs", "0", "-w", "\n%{http_code}", url); // a link scanner's GET
        assertThat(scanned.stdout()).as(scanned.toString()).contains("<form method=\"post\"").endsWith("\n200");
        assertThat(show(READER).stderr()).as("a GET unsubscribes nobody").contains("is not on the suppression list");

        var clicked = curl("-sS", "--max-redirs", "0", "-w", "\n%{http_code}", "-d", "List-Unsubscribe=One-Click", url); // RFC 8058 §3.2
        assertThat(clicked.stdout()).as(clicked.toString()).startsWith("Unsubscribed: " + READER).endsWith("\n200");

        var show = show(READER);
        assertThat(show.exitCode()).as(show.toString()).isZero();
        assertThat(show.stdout()).startsWith(READER + " in " + MailWorld.SENDER_DOMAIN + ": unsubscribe since ").contains("never expires",
                "one-click unsubscribe (RFC 8058)");

        Path events = dir.resolve("data/events/events.log");
        String event = Patience.await("an unsubscribed event in the log").until(() -> Files.exists(events)
                ? Files.readAllLines(events).stream().filter(l -> l.contains("\"type\":\"unsubscribed\"")).findFirst().orElse(null) : null,
                l -> l != null);
        assertThat(event).contains("\"recipient\":\"" + READER + "\"", "\"sender_domain\":\"" + MailWorld.SENDER_DOMAIN + "\"",
                "\"via\":\"one-click\"");
    }

    /** The h= tag of the message's DKIM signature: the fields it covers. */
    private static List<String> signedFields(String message) {
        Matcher h = Pattern.compile("\\bh=([^;]*);").matcher(message.replaceAll("\r?\n[ \t]+", " "));
        assertThat(h.find()).as("a DKIM signature in:\n" + message).isTrue();
        return List.of(h.group(1).replaceAll("\\s", "").split(":"));
    }

    private ExternalProcess.Result show(String address) {
        return FacteurCli.run("suppression", "show", address, "--config", world.configFile().toString());
    }

    private static ExternalProcess.Result curl(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("curl"));
        command.addAll(List.of(args));
        var run = ExternalProcess.run(command);
        assertThat(run.exitCode()).as(run.toString()).isZero();
        return run;
    }

    private static boolean dkimpyInstalled() throws IOException, InterruptedException {
        return ExternalProcess.run(List.of(ExternalProcess.PYTHON, "-c", "import dkim")).exitCode() == 0;
    }

    /** The selector of the message's one signature and dkimpy's verdict on it, our public key as its DNS. */
    private String dkimpy(String message, KeyPair key) throws Exception {
        Path file = dir.resolve("received.eml");
        Files.write(file, message.replace("\r\n", "\n").replace("\n", "\r\n").getBytes(StandardCharsets.ISO_8859_1));
        String script = """
                import sys, dkim
                record = b"%s"
                def dns(name, timeout=5):
                    return record if (name.decode() if isinstance(name, bytes) else name) == "ed2026._domainkey.%s." else None
                ok = dkim.DKIM(open(sys.argv[1], 'rb').read()).verify(dnsfunc=dns)
                print('ed2026', 'pass' if ok else 'fail')
                """.formatted(DkimKeys.record(key), MailWorld.SENDER_DOMAIN);
        Path py = dir.resolve("verify.py");
        Files.writeString(py, script);
        var run = ExternalProcess.run(List.of(ExternalProcess.PYTHON, py.toString(), file.toString()));
        assertThat(run.exitCode()).as(run.toString()).isZero();
        return run.stdout().strip();
    }
}
