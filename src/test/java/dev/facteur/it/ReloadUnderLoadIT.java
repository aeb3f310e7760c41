package dev.facteur.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.facteur.net.HostPort;
import dev.facteur.testing.Daemon;
import dev.facteur.testing.ExternalProcess;
import dev.facteur.testing.FacteurCli;
import dev.facteur.testing.Loopback;
import dev.facteur.testing.Patience;
import dev.facteur.testing.TestConfig;
import dev.facteur.testing.WireClient;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code facteur serve} in a JVM of its own, under the load of Postfix's smtp-source, reloaded
 * again and again by SIGHUP and by {@code facteur reload} while the mail comes in: a listener
 * added, then removed while a session on it is under way, limits and users changed, and two
 * broken files refused. Every message smtp-source sent reaches the Maildir, no session fails,
 * and every line of the server's log (JSON here) is one JSON object.
 */
class ReloadUnderLoadIT {

    private static final int MESSAGES = 500;

    @TempDir
    Path dir;

    private final String first = Loopback.host() + ":2525";
    private final String added = Loopback.host() + ":2525";
    private final String admin = Loopback.host() + ":8025";

    /**
     * Writes the server's configuration: its listen addresses (TestConfig takes one: the others
     * go in by rewriting its line), more [smtp] lines, and its local users.
     */
    private Path config(List<String> listen, String smtp, String users) throws IOException {
        Path file = TestConfig.in(dir.resolve("data")).listen(listen.getFirst()).smtp(smtp)
                .tables("[local]\ndomains = [\"example.test\"]\nusers = [" + users + "]\n[log]\nformat = \"json\"")
                .dns(new HostPort("127.0.0.1", 9)).delivery(Map.of()).admin(admin)
                .writeTo(dir.resolve("facteur.toml"));
        String text = Files.readString(file).replace("listen = [\"" + listen.getFirst() + "\"]",
                "listen = [\"" + String.join("\", \"", listen) + "\"]");
        Files.writeString(file, text);
        return file;
    }

    private static InetSocketAddress socket(String hostPort) {
        HostPort hp = HostPort.parse(hostPort);
        return new InetSocketAddress(hp.host(), hp.port());
    }

    private long delivered(String user) throws IOException {
        Path box = dir.resolve("data").resolve("mail").resolve("example.test").resolve(user).resolve("new");
        if (!Files.isDirectory(box)) return 0;
        try (Stream<Path> s = Files.list(box)) {
            return s.count();
        }
    }

    /** The messages the server logged so far: its whole lines, each a JSON object (a last line may be half written). */
    private static List<String> logged(Daemon facteur) {
        String[] lines = facteur.log().split("\n", -1);
        var json = new JsonMapper();
        return Arrays.stream(lines, 0, lines.length - 1).map(l -> json.readTree(l).path("formattedMessage").asString()).toList();
    }

    private static long count(Daemon facteur, String start) {
        return logged(facteur).stream().filter(m -> m.startsWith(start)).count();
    }

    /** The messages from smtp-source that the server has taken so far (its one line per accepted message). */
    private static long accepted(Daemon facteur) {
        return logged(facteur).stream().filter(m -> m.contains(": client=client.test[127.0.0.1], from=<alice@example.org>")).count();
    }

    private static void hangUp(FacteurCli.Server server) throws Exception {
        var kill = ExternalProcess.run(List.of("/bin/kill", "-HUP", Long.toString(server.process().pid())));
        assertThat(kill.exitCode()).as(kill.toString()).isZero();
    }

    @Test
    void reloadsDuringTheLoadLoseNoMessageAndDropNoSession() throws Exception {
        Path file = config(List.of(first), "", "\"bob\"");
        Path log = dir.resolve("facteur.log");
        var server = FacteurCli.serve(file, log);
        try (Daemon facteur = server.process()) { // SIGTERM at the end: the last lines of the log are written
            // one message a session, 20 at a time, each session pausing up to a second: the reloads come in the middle
            CompletableFuture<ExternalProcess.Result> source = CompletableFuture.supplyAsync(() -> {
                try {
                    return ExternalProcess.run(List.of("/usr/sbin/smtp-source", "-s", "20", "-m", Integer.toString(MESSAGES),
                            "-R", "1", "-l", "2000", "-M", "client.test", "-f", "alice@example.org", "-t", "bob@example.test", first));
                } catch (IOException | InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            Patience.await("the first messages are taken").until(() -> accepted(facteur) >= 50);

            // SIGHUP: a second listener, and room for more recipients
            config(List.of(first, added), "max_recipients = 50", "\"bob\"");
            hangUp(server);
            Patience.await("the first reload is applied").until(() -> count(facteur, "reload: configuration") == 1);
            assertThat(source).as("smtp-source still sending").isNotDone();
            var onAdded = WireClient.ready(socket(added), "client.test");
            onAdded.expect(250, onAdded.command("MAIL FROM:<alice@example.org>"));
            onAdded.expect(250, onAdded.command("RCPT TO:<bob@example.test>"));

            // facteur reload: the second listener goes while a session on it is under way; carol becomes a user
            Patience.await("more messages are taken").until(() -> accepted(facteur) >= 150);
            config(List.of(first), "max_recipients = 50\nmax_connections_per_ip = 40", "\"bob\", \"carol\"");
            var reload = FacteurCli.run("reload", "-c", file.toString());
            assertThat(reload.exitCode()).as(reload.toString()).isZero();
            assertThat(reload.stdout()).isEqualTo("configuration " + file + " reloaded\n");
            assertThat(source).as("smtp-source still sending").isNotDone();
            assertThatThrownBy(() -> WireClient.connect(socket(added))).as("the removed listener takes no one new")
                    .isInstanceOf(ConnectException.class);
            assertThat(onAdded.ask("RCPT TO:<carol@example.test>")).as("the users it began with").startsWith("550 5.1.1");
            onAdded.expect(354, onAdded.command("DATA"));
            assertThat(onAdded.ask("Subject: under way\r\n\r\nacross a reload\r\n.")).startsWith("250 2.0.0 Ok: queued as ");
            assertThat(onAdded.ask("QUIT")).startsWith("221");
            onAdded.close();
            WireClient.submit(socket(first), "<alice@example.org>", List.of("<carol@example.test>"),
                    "Subject: for carol\r\n\r\nnew user\r\n".getBytes(StandardCharsets.US_ASCII));

            // facteur reload with a file the server cannot use: refused, the answer names file, line and key
            Patience.await("more messages are taken").until(() -> accepted(facteur) >= 250);
            Path missing = dir.resolve("no-such-aliases");
            Files.writeString(file, Files.readString(file).replace("[local]\n", "[local]\naliases_file = '" + missing + "'\n"));
            int aliasesLine = Files.readAllLines(file).indexOf("aliases_file = '" + missing + "'") + 1;
            var refused = FacteurCli.run("reload", "-c", file.toString());
            assertThat(refused.exitCode()).as(refused.toString()).isEqualTo(1);
            assertThat(refused.stderr()).isEqualTo("facteur: reload refused, the running configuration stays:\n"
                    + file + ":" + aliasesLine + ": local.aliases_file: cannot read " + missing + "\n");

            // SIGHUP with a typo: refused, logged with its line
            config(List.of(first), "max_recipients = 50\nmax_recipient = 3", "\"bob\", \"carol\"");
            int typoLine = Files.readAllLines(file).indexOf("max_recipient = 3") + 1;
            hangUp(server);
            String typo = file + ":" + typoLine + ": smtp.max_recipient: unknown key";
            Patience.await("the typo is refused").until(() -> logged(facteur).contains(
                    "reload refused, the running configuration stays: " + typo));

            // and a good file again
            config(List.of(first), "max_recipients = 50", "\"bob\", \"carol\"");
            hangUp(server);
            Patience.await("the last reload is applied").until(() -> count(facteur, "reload: configuration") == 3);

            ExternalProcess.Result sent = source.get();
            assertThat(sent.exitCode()).as(sent.toString()).isZero();
            assertThat(sent.stderr()).as("no session failed").isEmpty();
            Patience.await("every message is delivered").until(() -> delivered("bob") == MESSAGES + 1 && delivered("carol") == 1);
        }
        for (String line : Files.readAllLines(log)) {
            JsonNode entry = new JsonMapper().readTree(line);
            assertThat(entry.isObject()).as(line).isTrue();
            assertThat(entry.path("formattedMessage").isString()).as(line).isTrue();
        }
    }
}
