package dev.facteur.doctor;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.BindException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Tries to relay through our own SMTP listener, as an outsider would: from a public address of
 * this machine, EHLO, a null sender, and one RCPT to an outside domain. It never sends DATA, so
 * nothing is ever queued, accepted or not; it says RSET and QUIT and hangs up.
 */
final class RelayProbe {

    /** What the server said. */
    sealed interface Outcome {
        /** RCPT got a permanent refusal: this client may not relay. */
        record Refused(String reply) implements Outcome {}

        /** RCPT was accepted: anyone at this address may relay. */
        record Accepted(String reply) implements Outcome {}

        /** The server said something else first (a refusal before RCPT, a temporary error): relaying was not tried. */
        record Inconclusive(String reason) implements Outcome {}

        /** No connection: the server is not running there, or this machine cannot send from that address. */
        record Unreachable(String reason) implements Outcome {}
    }

    /** Lines of one reply beyond which the server is not an SMTP server. */
    private static final int MAX_LINES = 100;

    private final Duration timeout;

    /** @param timeout for the connection and for each reply (a greeting pause, {@code [policy.earlytalk]}, may take seconds) */
    RelayProbe(Duration timeout) {
        this.timeout = timeout;
    }

    Outcome attempt(InetAddress from, InetSocketAddress server, String recipient) {
        try (Socket s = new Socket()) {
            try {
                s.bind(new InetSocketAddress(from, 0));
            } catch (BindException e) {
                return new Outcome.Unreachable("cannot send from " + Records.text(from) + ": not an address of this machine ("
                        + e.getMessage() + ")");
            }
            s.connect(server, (int) timeout.toMillis());
            s.setSoTimeout((int) timeout.toMillis());
            var in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.ISO_8859_1));
            OutputStream out = s.getOutputStream();
            String greeting = reply(in);
            if (!greeting.startsWith("2")) return new Outcome.Inconclusive("greeting: " + greeting);
            String literal = from instanceof Inet6Address ? "[IPv6:" + Records.text(from) + "]" : "[" + Records.text(from) + "]";
            String ehlo = command(out, in, "EHLO " + literal);
            if (!ehlo.startsWith("2")) return new Outcome.Inconclusive("EHLO: " + ehlo);
            String mail = command(out, in, "MAIL FROM:<>");
            if (!mail.startsWith("2")) return new Outcome.Inconclusive("MAIL FROM:<> got " + mail);
            String rcpt = command(out, in, "RCPT TO:<" + recipient + ">");
            quietly(out, in);
            if (rcpt.startsWith("2")) return new Outcome.Accepted(rcpt);
            if (rcpt.startsWith("5")) return new Outcome.Refused(rcpt);
            return new Outcome.Inconclusive("RCPT TO:<" + recipient + "> got " + rcpt + " (greylisting? try again later)");
        } catch (IOException e) {
            return new Outcome.Unreachable(Records.text(server.getAddress()) + ":" + server.getPort() + ": " + e.getMessage());
        }
    }

    private static String command(OutputStream out, BufferedReader in, String line) throws IOException {
        out.write((line + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        return reply(in);
    }

    /** One reply (RFC 5321 §4.2), its lines joined; only the last line's code counts. */
    private static String reply(BufferedReader in) throws IOException {
        StringBuilder text = new StringBuilder();
        for (int n = 0; n < MAX_LINES; n++) {
            String line = in.readLine();
            if (line == null) throw new IOException("the server hung up");
            if (line.length() < 3) throw new IOException("not an SMTP reply: " + line);
            if (!text.isEmpty()) text.append(' ');
            text.append(line.length() > 4 && n > 0 ? line.substring(4) : line);
            if (line.length() == 3 || line.charAt(3) == ' ') return text.toString();
        }
        throw new IOException("a reply of more than " + MAX_LINES + " lines");
    }

    /** RSET and QUIT; what the server says no longer matters. */
    private static void quietly(OutputStream out, BufferedReader in) {
        try {
            command(out, in, "RSET");
            command(out, in, "QUIT");
        } catch (IOException ignored) {
            // the conversation is over either way
        }
    }
}
