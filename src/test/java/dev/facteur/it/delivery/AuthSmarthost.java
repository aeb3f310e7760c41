package dev.facteur.it.delivery;

import static org.awaitility.Awaitility.await;

import dev.facteur.testing.SmtpSink;
import dev.facteur.tls.SelfSigned;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.awaitility.core.ConditionTimeoutException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A real authenticating relay for one test: Python's aiosmtpd ({@code it/delivery/auth_smarthost.py},
 * Debian package python3-aiosmtpd) on a loopback address and a free port. It offers STARTTLS or
 * not and the AUTH mechanisms it is told (RFC 4954), accepts one account, and records every
 * message it takes and every EHLO, STARTTLS and AUTH command it receives, so a test can say
 * what went over the wire: whether TLS was on, who logged in, and whether a password was sent
 * at all.
 */
final class AuthSmarthost implements AutoCloseable {

    /** Debian's interpreter: python3-aiosmtpd is installed for it, not for another python3 on the PATH. */
    static final Path PYTHON = Path.of("/usr/bin/python3");
    private static final Duration STARTUP = Duration.ofSeconds(15);
    private static final JsonMapper JSON = new JsonMapper();

    /** What the relay offers after EHLO. */
    record Offer(boolean starttls, List<String> mechanisms, boolean authRequireTls) {
        /** STARTTLS, and these mechanisms only once TLS is on (the way relays that take passwords should be). */
        static Offer starttlsThen(String... mechanisms) {
            return new Offer(true, List.of(mechanisms), true);
        }

        /** No STARTTLS, and these mechanisms in the clear: a relay that would take a password unencrypted. */
        static Offer inTheClear(String... mechanisms) {
            return new Offer(false, List.of(mechanisms), false);
        }
    }

    /** The one login the relay accepts. */
    record Account(String username, String password) {}

    /** One message as the relay took it; {@code tls} is the protocol (e.g. TLSv1.3) or null, {@code login} null without AUTH. */
    record Received(String mailFrom, List<String> rcptTos, String tls, String login, String content) {}

    /** One AUTH command that reached the relay, whatever came of it. */
    record AuthCommand(String mechanism, String tls, String login, boolean success) {}

    /** One EHLO: whether TLS was on, and what the relay offered in reply. */
    record Ehlo(String tls, boolean offeredStarttls, List<String> offeredAuth) {}

    private final Process process;
    private final String address;
    private final int port;
    private final Path out;
    private final Path events;
    private final Path log;

    private AuthSmarthost(Process process, String address, int port, Path out, Path events, Path log) {
        this.process = process;
        this.address = address;
        this.port = port;
        this.out = out;
        this.events = events;
        this.log = log;
    }

    /**
     * Starts the relay on {@code address} (127.0.0.x) and returns once it listens.
     *
     * @param dir a directory of its own for the password, the received messages and the logs
     * @param pem the certificate and key it presents after STARTTLS
     */
    static AuthSmarthost start(String address, Path dir, SelfSigned.PemFiles pem, Offer offer, Account account) throws IOException {
        if (!address.startsWith("127.")) throw new IllegalArgumentException("loopback only: " + address);
        Files.createDirectories(dir);
        Path out = Files.createDirectories(dir.resolve("received"));
        Path events = dir.resolve("events.jsonl");
        Path password = dir.resolve("accepted-password");
        Files.writeString(password, account.password() + "\n");
        // The free port found may be taken before the relay binds it: try another then (exit 3).
        for (int attempt = 1; ; attempt++) {
            int port = SmtpSink.freePort(address);
            Path log = dir.resolve("relay-" + port + ".log");
            List<String> cmd = new ArrayList<>(List.of(PYTHON.toString(), script().toString(),
                    "--address", address, "--port", Integer.toString(port),
                    "--cert", pem.certificate().toString(), "--key", pem.privateKey().toString(),
                    "--mechanisms", String.join(",", offer.mechanisms()),
                    "--auth-require-tls", Boolean.toString(offer.authRequireTls()),
                    "--username", account.username(), "--password-file", password.toString(),
                    "--out", out.toString(), "--events", events.toString()));
            if (offer.starttls()) cmd.add("--starttls");
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            var relay = new AuthSmarthost(p, address, port, out, events, log);
            if (relay.awaitReady()) return relay;
            int exit = p.exitValue();
            if (exit != 3 || attempt == 5)
                throw new IOException("auth_smarthost.py did not start on " + address + ":" + port + " (exit " + exit
                        + "; is python3-aiosmtpd installed?):\n" + Files.readString(log));
        }
    }

    /** True once the relay says it listens; false when it exited first. */
    private boolean awaitReady() throws IOException {
        long deadline = System.nanoTime() + STARTUP.toNanos();
        while (true) {
            if (Files.readString(log).lines().anyMatch(l -> l.startsWith("ready "))) return true;
            if (!process.isAlive()) return false;
            if (System.nanoTime() > deadline) {
                process.destroyForcibly();
                throw new IOException("auth_smarthost.py not ready after " + STARTUP + ":\n" + Files.readString(log));
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException(e);
            }
        }
    }

    private static Path script() {
        try {
            return Path.of(AuthSmarthost.class.getResource("/it/delivery/auth_smarthost.py").toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    String address() {
        return address;
    }

    int port() {
        return port;
    }

    /** As a smarthost or transport is written in Facteur's configuration: {@code [127.0.0.61]:port}, no MX lookup. */
    String relay() {
        return "[" + address + "]:" + port;
    }

    /** The messages taken so far, oldest first. */
    List<Received> received() {
        try (Stream<Path> files = Files.list(out)) {
            List<Received> all = new ArrayList<>();
            for (Path f : files.filter(f -> f.getFileName().toString().endsWith(".json"))
                    .sorted(Comparator.comparing(AuthSmarthost::modified)).toList()) {
                JsonNode m = JSON.readTree(Files.readString(f, StandardCharsets.UTF_8));
                all.add(new Received(text(m, "mail_from"), strings(m.get("rcpt_tos")), text(m, "tls"), text(m, "login"),
                        text(m, "content")));
            }
            return all;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Waits until the relay has taken at least {@code n} messages, and returns them all. */
    List<Received> awaitReceived(int n) {
        try {
            return await(address + " receives " + n).atMost(MailWorld.PATIENCE).pollInterval(Duration.ofMillis(50))
                    .until(this::received, r -> r.size() >= n);
        } catch (ConditionTimeoutException e) {
            throw new AssertionError(e.getMessage() + "\nAUTH commands: " + authCommands() + "\nrelay output:\n" + log(), e);
        }
    }

    /** Every AUTH command that reached the relay; empty means no credentials were ever sent to it. */
    List<AuthCommand> authCommands() {
        return events("auth").stream().map(e -> new AuthCommand(text(e, "mechanism"), text(e, "tls"), text(e, "login"),
                e.get("success").asBoolean())).toList();
    }

    /** Every EHLO the relay answered, in order. */
    List<Ehlo> ehlos() {
        return events("ehlo").stream().map(e -> new Ehlo(text(e, "tls"), e.get("offered_starttls").asBoolean(),
                strings(e.get("offered_auth")))).toList();
    }

    private List<JsonNode> events(String kind) {
        try {
            if (!Files.exists(events)) return List.of();
            String all = Files.readString(events, StandardCharsets.UTF_8);
            // only whole lines: the relay may be writing the last one
            String whole = all.substring(0, all.lastIndexOf('\n') + 1);
            List<JsonNode> out = new ArrayList<>();
            for (String line : whole.lines().toList()) {
                JsonNode e = JSON.readTree(line);
                if (kind.equals(text(e, "event"))) out.add(e);
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() ? null : v.asString();
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        if (array != null) array.forEach(v -> out.add(v.asString()));
        return out;
    }

    private static java.nio.file.attribute.FileTime modified(Path p) {
        try {
            return Files.getLastModifiedTime(p);
        } catch (IOException e) {
            return java.nio.file.attribute.FileTime.fromMillis(0);
        }
    }

    /** What the relay printed (aiosmtpd's own complaints included), for failure messages. */
    String log() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    @Override
    public String toString() {
        return "relay " + relay();
    }

    /** SIGTERM, then SIGKILL if it does not stop within a few seconds. */
    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) process.destroyForcibly().waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
