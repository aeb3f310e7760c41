package dev.facteur.inject;

import dev.facteur.io.Deadlines;
import dev.facteur.io.Deadlines.Deadline;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The client side of local submission: SMTP over the running server's unix socket
 * ({@code [sendmail] socket}), where the kernel tells the server which user connects. Both
 * {@code facteur sendmail} and the HTTP injection API hand messages in through it, so that
 * their mail takes the path of all submitted mail: the same checks at RCPT (the suppression
 * list), the same size limit, DKIM signing, and 250 only once the message is on disk.
 *
 * <p>One command at a time, each reply read before the next command is sent (no PIPELINING:
 * the server is next door, and a refusal is simpler to place). Replies are read bounded in
 * length, and every wait for one is bounded by the timeout. Trouble with the connection (it
 * closed, a timeout, a reply that is not SMTP) reads as a 421 for whatever was under way: the
 * caller learns of it as a temporary refusal, never as an exception.
 */
public final class LocalSubmission implements AutoCloseable {

    /** How long the server may take to answer one command: RFC 5321 §4.5.3.2.6 gives the end of DATA 10 minutes. */
    public static final Duration TIMEOUT = Duration.ofMinutes(10);

    /** RFC 5321 §4.5.3.1.5 allows 512 octets a reply line; a little more is tolerated. */
    static final int MAX_REPLY_LINE = 1024;
    /** An EHLO reply has a dozen lines; no reply needs more. */
    static final int MAX_REPLY_LINES = 100;

    /** A reply as the client reads it: its code, and its text, lines joined ({@code 550 5.1.1 No such user}). */
    public record Reply(int code, String text) {
        public boolean isPositive() {
            return code < 400;
        }

        /** RFC 5321 §4.2.1: 4yz, try again later. */
        public boolean isTransient() {
            return code >= 400 && code < 500;
        }

        @Override
        public String toString() {
            return text;
        }
    }

    /** Where in the dialogue a recipient was refused. */
    public enum Stage { GREETING, EHLO, MAIL, RCPT, DATA, MESSAGE }

    /** A transaction the server took: its queue id (from {@code 250 ... queued as ID}) and the recipients it queued for. */
    public record Queued(String queueId, List<String> recipients) {}

    /** A recipient the message did not reach the queue for, the reply that said so, and where. */
    public record Refused(String recipient, Reply reply, Stage stage) {}

    /** What became of one message: each transaction that queued it (more than one when the server limits recipients), and the refusals. */
    public record Outcome(List<Queued> queued, List<Refused> refused) {}

    private final SocketChannel channel;
    private final InputStream in;
    private final OutputStream out;
    private final Deadline deadline;
    private final long timeoutNanos;
    private volatile boolean timedOut;
    private boolean greeted;
    /** Once the connection is of no more use: the reply that ended it, and where. */
    private Reply broken;
    private Stage brokenAt;

    private LocalSubmission(SocketChannel channel, Duration timeout) {
        this.channel = channel;
        this.in = new BufferedInputStream(Channels.newInputStream(channel));
        this.out = new BufferedOutputStream(Channels.newOutputStream(channel), 64 * 1024);
        this.timeoutNanos = timeout.toNanos();
        this.deadline = Deadlines.register(() -> {
            timedOut = true;
            try {
                channel.close(); // ends a read or write under way
            } catch (IOException ignored) {
                // closed already
            }
        });
    }

    /** Connects to the server's socket; an IOException when nothing listens there (the server is down, or elsewhere). */
    public static LocalSubmission connect(Path socket, Duration timeout) throws IOException {
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            ch.connect(UnixDomainSocketAddress.of(socket));
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
        return new LocalSubmission(ch, timeout);
    }

    /**
     * Sends {@code content} from {@code from} to each of {@code to} (addresses without angle
     * brackets). When the server takes no more recipients (452, RFC 5321 §4.5.3.1.10) the
     * message goes to those accepted so far, and the rest in the next transaction.
     *
     * @param smtpUtf8 the message or an address needs SMTPUTF8 (RFC 6531); it is asked for
     *                 anyway when an address is not ASCII
     */
    public Outcome send(String from, List<String> to, byte[] content, boolean smtpUtf8) {
        List<Queued> queued = new ArrayList<>();
        List<Refused> refused = new ArrayList<>();
        if (!greeted) {
            greeted = true;
            hello();
        }
        List<String> pending = List.copyOf(to);
        while (!pending.isEmpty() && broken == null) {
            pending = transaction(from, pending, content, smtpUtf8 || !isAscii(from) || pending.stream().anyMatch(a -> !isAscii(a)),
                    queued, refused);
        }
        if (broken != null) for (String r : pending) refused.add(new Refused(r, broken, brokenAt));
        return new Outcome(List.copyOf(queued), List.copyOf(refused));
    }

    private void hello() {
        Reply r = reply(Stage.GREETING);
        if (r.code() != 220) {
            breakOff(r, Stage.GREETING);
            return;
        }
        r = command("EHLO localhost", Stage.EHLO);
        if (r.code() != 250) breakOff(r, Stage.EHLO);
    }

    /** One transaction; the recipients left for the next (those after a 452), none when it is over. */
    private List<String> transaction(String from, List<String> to, byte[] content, boolean smtpUtf8, List<Queued> queued,
            List<Refused> refused) {
        String params = " SIZE=" + content.length + (is8Bit(content) ? " BODY=8BITMIME" : "") + (smtpUtf8 ? " SMTPUTF8" : "");
        Reply r = command("MAIL FROM:<" + from + ">" + params, Stage.MAIL);
        if (broken != null) return to;
        if (!r.isPositive()) {
            for (String rcpt : to) refused.add(new Refused(rcpt, r, Stage.MAIL));
            reset();
            return List.of();
        }
        List<String> accepted = new ArrayList<>(), later = new ArrayList<>();
        for (int i = 0; i < to.size(); i++) {
            String rcpt = to.get(i);
            r = command("RCPT TO:<" + rcpt + ">", Stage.RCPT);
            if (broken != null) return join(accepted, to.subList(i, to.size()));
            if (r.isPositive()) {
                accepted.add(rcpt);
            } else if (r.code() == 452 && !accepted.isEmpty()) { // too many recipients: these wait for the next transaction
                later.addAll(to.subList(i, to.size()));
                break;
            } else {
                refused.add(new Refused(rcpt, r, Stage.RCPT));
            }
        }
        if (accepted.isEmpty()) {
            reset();
            return List.of();
        }
        r = command("DATA", Stage.DATA);
        if (broken != null) return join(accepted, later);
        if (r.code() != 354) {
            for (String rcpt : join(accepted, later)) refused.add(new Refused(rcpt, r, Stage.DATA));
            reset();
            return List.of();
        }
        r = content(content);
        if (broken != null) return join(accepted, later);
        if (r.code() != 250) {
            for (String rcpt : join(accepted, later)) refused.add(new Refused(rcpt, r, Stage.MESSAGE));
            return List.of(); // the transaction is over: no RSET needed
        }
        queued.add(new Queued(queueId(r.text()), List.copyOf(accepted)));
        return later;
    }

    private static List<String> join(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    /** RFC 5321 §4.1.1.5: after a refused MAIL, or a transaction without recipients, the next starts clean. */
    private void reset() {
        command("RSET", Stage.MAIL);
    }

    /** Facteur says {@code 250 2.0.0 Ok: queued as 1M8G3WJJ50000}; null from a server that says nothing of the kind. */
    static String queueId(String reply) {
        int at = reply.indexOf("queued as ");
        if (at < 0) return null;
        String rest = reply.substring(at + "queued as ".length()).strip();
        int end = 0;
        while (end < rest.length() && !Character.isWhitespace(rest.charAt(end))) end++;
        return end == 0 ? null : rest.substring(0, end);
    }

    private Reply command(String line, Stage stage) {
        if (broken != null) return broken;
        try {
            deadline.arm(timeoutNanos);
            out.write((line + "\r\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
        } catch (IOException e) {
            return lost(e, stage);
        } finally {
            deadline.disarm();
        }
        return reply(stage);
    }

    /** The content, dot-stuffed (RFC 5321 §4.5.2), ending with a line end and the lone dot; the server's reply. */
    private Reply content(byte[] content) {
        try {
            deadline.arm(timeoutNanos);
            boolean lineStart = true;
            for (byte b : content) {
                if (lineStart && b == '.') out.write('.');
                out.write(b);
                lineStart = b == '\n';
            }
            if (!lineStart) out.write(new byte[] {'\r', '\n'});
            out.write(new byte[] {'.', '\r', '\n'});
            out.flush();
        } catch (IOException e) {
            return lost(e, Stage.MESSAGE);
        } finally {
            deadline.disarm();
        }
        return reply(Stage.MESSAGE);
    }

    /** The next reply, all its lines (RFC 5321 §4.2.1: "xyz-" continues, "xyz " ends); a 421 once the connection fails. */
    private Reply reply(Stage stage) {
        if (broken != null) return broken;
        try {
            deadline.arm(timeoutNanos);
            StringBuilder text = new StringBuilder();
            for (int n = 1; ; n++) {
                String line = line();
                if (line.length() < 3 || !Character.isDigit(line.charAt(0)) || !Character.isDigit(line.charAt(1))
                        || !Character.isDigit(line.charAt(2)) || (line.length() > 3 && line.charAt(3) != ' ' && line.charAt(3) != '-'))
                    throw new IOException("not an SMTP reply: " + line);
                if (text.isEmpty()) text.append(line, 0, 3);
                if (line.length() > 4) text.append(' ').append(line.substring(4));
                if (line.length() == 3 || line.charAt(3) == ' ') {
                    int code = Integer.parseInt(line.substring(0, 3));
                    Reply r = new Reply(code, text.toString());
                    if (code == 421) breakOff(r, stage); // RFC 5321 §3.8: the server is closing
                    return r;
                }
                if (n >= MAX_REPLY_LINES) throw new IOException("a reply of more than " + MAX_REPLY_LINES + " lines");
            }
        } catch (IOException e) {
            return lost(e, stage);
        } finally {
            deadline.disarm();
        }
    }

    /** One line without its line end, at most {@link #MAX_REPLY_LINE} octets. */
    private String line() throws IOException {
        var b = new ByteArrayOutputStream(128);
        while (true) {
            int c = in.read();
            if (c < 0) throw new EOFException("the server closed the connection");
            if (c == '\n') break;
            if (b.size() >= MAX_REPLY_LINE) throw new IOException("a reply line longer than " + MAX_REPLY_LINE + " octets");
            b.write(c);
        }
        byte[] line = b.toByteArray();
        int n = line.length > 0 && line[line.length - 1] == '\r' ? line.length - 1 : line.length;
        return new String(line, 0, n, StandardCharsets.UTF_8);
    }

    private Reply lost(IOException e, Stage stage) {
        Reply r = timedOut ? new Reply(421, "421 4.4.2 no reply from the server within " + Duration.ofNanos(timeoutNanos).toSeconds() + " s")
                : new Reply(421, "421 4.4.2 the connection to the server failed: " + e.getMessage());
        breakOff(r, stage);
        return r;
    }

    private void breakOff(Reply r, Stage stage) {
        if (broken != null) return;
        broken = r;
        brokenAt = stage;
    }

    private static boolean isAscii(String s) {
        for (int i = 0; i < s.length(); i++) if (s.charAt(i) >= 0x80) return false;
        return true;
    }

    private static boolean is8Bit(byte[] b) {
        for (byte x : b) if (x < 0) return true;
        return false;
    }

    /** QUIT (RFC 5321 §4.1.1.10) when the connection still works, then closes it. */
    @Override
    public void close() {
        try {
            if (broken == null && greeted) command("QUIT", Stage.MESSAGE);
        } finally {
            deadline.close();
            try {
                channel.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }
}
