package dev.facteur.it.delivery;

import dev.facteur.testing.Daemon;
import dev.facteur.testing.ExternalProcess;
import dev.facteur.testing.Loopback;
import dev.facteur.testing.Patience;
import dev.facteur.tls.SelfSigned;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.awaitility.core.ConditionTimeoutException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A real authenticating relay for one test: Python's aiosmtpd ({@code it/delivery/auth_smarthost.py},
 * Debian package python3-aiosmtpd) on a loopback host of its own and a port the system chose. It
 * offers STARTTLS or not and the AUTH mechanisms it is told (RFC 4954), accepts one account, and records every
 * message it takes and every EHLO, STARTTLS and AUTH command it receives, so a test can say
 * what went over the wire: whether TLS was on, who logged in, and whether a password was sent
 * at all.
 */
final class AuthSmarthost implements AutoCloseable {

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

    private final Daemon process;
    private final String address;
    private final int port;
    private final Path out;
    private final Path events;

    private AuthSmarthost(Daemon process, String address, int port, Path out, Path events) {
        this.process = process;
        this.address = address;
        this.port = port;
        this.out = out;
        this.events = events;
    }

    /**
     * Starts the relay on {@code address} (a host of its own, {@link Loopback}), on a port the
     * system chooses (it says which), and returns once it listens there.
     *
     * @param dir a directory of its own for the password, the received messages and the logs
     * @param pem the certificate and key it presents after STARTTLS
     */
    static AuthSmarthost start(String address, Path dir, SelfSigned.PemFiles pem, Offer offer, Account account) throws IOException {
        Files.createDirectories(dir);
        Path out = Files.createDirectories(dir.resolve("received"));
        Path events = dir.resolve("events.jsonl");
        Path password = dir.resolve("accepted-password");
        Files.writeString(password, account.password() + "\n");
        List<String> cmd = new ArrayList<>(List.of(ExternalProcess.PYTHON, ExternalProcess.resource("/it/delivery/auth_smarthost.py").toString(),
                "--address", address, "--port", "0",
                "--cert", pem.certificate().toString(), "--key", pem.privateKey().toString(),
                "--mechanisms", String.join(",", offer.mechanisms()),
                "--auth-require-tls", Boolean.toString(offer.authRequireTls()),
                "--username", account.username(), "--password-file", password.toString(),
                "--out", out.toString(), "--events", events.toString()));
        if (offer.starttls()) cmd.add("--starttls");
        int[] port = new int[1];
        Daemon d = Daemon.start("auth_smarthost.py (python3-aiosmtpd)", cmd, dir.resolve("relay.log"), self -> {
            Matcher m = READY.matcher(self.log());
            if (!m.find()) return false;
            port[0] = Integer.parseInt(m.group(1));
            return self.listensOn(new InetSocketAddress(address, port[0]), true);
        });
        return new AuthSmarthost(d, address, port[0], out, events);
    }

    private static final Pattern READY = Pattern.compile("(?m)^ready \\S+ (\\d+)$");

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
            return Patience.await(address + " receives " + n)
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

    private static FileTime modified(Path p) {
        try {
            return Files.getLastModifiedTime(p);
        } catch (IOException e) {
            return FileTime.fromMillis(0);
        }
    }

    /** What the relay printed (aiosmtpd's own complaints included), for failure messages. */
    String log() {
        return process.log();
    }

    @Override
    public String toString() {
        return "relay " + relay();
    }

    /** SIGTERM, then SIGKILL if it does not stop within a few seconds. */
    @Override
    public void close() {
        process.close();
    }
}
