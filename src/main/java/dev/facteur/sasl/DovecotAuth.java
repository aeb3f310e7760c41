package dev.facteur.sasl;

import dev.facteur.io.Deadlines;
import dev.facteur.smtp.Authenticator;
import dev.facteur.smtp.Reply;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logins checked by Dovecot, over its authentication socket ({@code auth-client}), as Postfix's
 * {@code smtpd_sasl_type = dovecot} does: users log in to send with their IMAP password, and
 * Dovecot's password schemes, user databases and its own failure delays apply. One connection
 * per exchange, which Dovecot's auth protocol (version 1.2) handshakes, then {@code AUTH},
 * {@code CONT}... until {@code OK} or {@code FAIL}.
 *
 * <p>Dovecot unreachable, or saying something that is not its protocol, is a temporary failure
 * ({@code 454 4.7.0}, logged): the client tries again later, nobody is let in.
 */
public final class DovecotAuth implements Authenticator {

    private static final Logger log = LoggerFactory.getLogger("facteur.smtpd");
    static final Reply UNAVAILABLE = new Reply(454, "4.7.0", "Temporary authentication failure");
    /** A response line longer than this is not Dovecot's. */
    private static final int MAX_LINE = 65536;

    private final Path socket;
    private final Duration timeout;
    private final AtomicLong ids = new AtomicLong();

    /** {@code socket}: Dovecot's {@code auth-client} listener; {@code timeout}: for each answer. */
    public DovecotAuth(Path socket, Duration timeout) {
        this.socket = socket;
        this.timeout = timeout;
    }

    /** PLAIN and LOGIN, which Dovecot offers with {@code auth_mechanisms = plain login}; over TLS only. */
    @Override
    public List<String> mechanisms(boolean tls) {
        return tls ? List.of("PLAIN", "LOGIN") : List.of();
    }

    @Override
    public Exchange start(String mechanism, InetAddress client, boolean tls) {
        if (!mechanism.equals("PLAIN") && !mechanism.equals("LOGIN")) return null;
        if (!tls) return response -> new Step.Failure(Logins.NEEDS_TLS, "no TLS");
        return new DovecotExchange(mechanism, client);
    }

    @Override
    public String toString() {
        return "Dovecot auth at " + socket;
    }

    private final class DovecotExchange implements Exchange {
        private final String mechanism;
        private final InetAddress client;
        private final long id = ids.incrementAndGet();
        private SocketChannel channel;
        private Deadlines.Deadline deadline;
        private BufferedReader in;
        private OutputStream out;

        DovecotExchange(String mechanism, InetAddress client) {
            this.mechanism = mechanism;
            this.client = client;
        }

        @Override
        public Step step(byte[] response) {
            try {
                if (channel == null) {
                    connect();
                    // service=smtp: Dovecot's passdb may tell SMTP from IMAP; "secured": the client came over TLS
                    send("AUTH\t" + id + "\t" + mechanism + "\tservice=smtp\tnologin\trip=" + client.getHostAddress() + "\tsecured"
                            + (response == null ? "" : "\tresp=" + Base64.getEncoder().encodeToString(response)));
                } else {
                    send("CONT\t" + id + "\t" + Base64.getEncoder().encodeToString(response == null ? new byte[0] : response));
                }
                return answer();
            } catch (IOException | RuntimeException e) {
                close();
                log.warn("Dovecot auth at {} failed: {}", socket, e.toString());
                return new Step.Failure(UNAVAILABLE, "Dovecot auth unavailable: " + e.getMessage());
            }
        }

        /** Reads Dovecot's answer to this request: a challenge, or the verdict (which ends the connection). */
        private Step answer() throws IOException {
            String[] f = read().split("\t", -1);
            if (f.length < 2 || !f[1].equals(Long.toString(id))) throw new IOException("an answer to another request: " + String.join(" ", f));
            switch (f[0]) {
                case "CONT" -> {
                    return new Step.Challenge(Base64.getDecoder().decode(f.length > 2 ? f[2] : ""));
                }
                case "OK" -> {
                    close();
                    String user = param(f, "user");
                    if (user == null) throw new IOException("OK without a user");
                    return new Step.Success(user);
                }
                case "FAIL" -> {
                    close();
                    String user = param(f, "user"), reason = param(f, "reason");
                    // "temp": Dovecot's own trouble (a database down), not wrong credentials
                    if (param(f, "temp") != null) return new Step.Failure(UNAVAILABLE, "Dovecot: temporary failure" + (reason == null ? "" : ": " + reason));
                    return new Step.Failure(Logins.INVALID, (user == null ? "" : "user " + user + ": ") + (reason == null ? "authentication failure" : reason));
                }
                default -> throw new IOException("not Dovecot's auth protocol: " + f[0]);
            }
        }

        private static String param(String[] fields, String name) {
            for (int i = 2; i < fields.length; i++) {
                if (fields[i].equals(name)) return "";
                if (fields[i].startsWith(name + "=")) return fields[i].substring(name.length() + 1);
            }
            return null;
        }

        /** Connects and handshakes: our VERSION and CPID, then the server's lines up to DONE. */
        private void connect() throws IOException {
            channel = SocketChannel.open(StandardProtocolFamily.UNIX);
            deadline = Deadlines.register(this::close);
            channel.connect(UnixDomainSocketAddress.of(socket));
            in = new BufferedReader(new InputStreamReader(Channels.newInputStream(channel), StandardCharsets.UTF_8));
            out = Channels.newOutputStream(channel);
            send("VERSION\t1\t2\nCPID\t" + ProcessHandle.current().pid());
            boolean versionOk = false;
            for (String line; !(line = read()).equals("DONE"); ) {
                if (line.startsWith("VERSION\t")) versionOk = line.startsWith("VERSION\t1\t");
            }
            if (!versionOk) throw new IOException("Dovecot's auth protocol is not version 1");
        }

        private void send(String lines) throws IOException {
            out.write((lines + "\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
        }

        /** One line within the timeout: past it the deadline closes the channel, which ends the read. */
        private String read() throws IOException {
            deadline.arm(timeout.toNanos());
            try {
                String line = in.readLine();
                if (line == null) throw new IOException("Dovecot closed the connection (or did not answer within " + timeout.toMillis() + " ms)");
                if (line.length() > MAX_LINE) throw new IOException("a line longer than " + MAX_LINE);
                return line;
            } finally {
                deadline.disarm();
            }
        }

        private void close() {
            if (deadline != null) deadline.close();
            if (channel == null) return;
            try {
                channel.close();
            } catch (IOException ignored) {
                // gone either way
            }
        }
    }
}
