package dev.facteur.smtp;

import dev.facteur.io.Deadlines;
import dev.facteur.io.Deadlines.Deadline;
import dev.facteur.metrics.SmtpMetrics;
import java.io.BufferedOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import javax.net.ssl.SSLSocket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The socket loop of one client: reads a command, asks the session for the reply, writes it.
 * It is the only place that writes replies, counts errors, applies timeouts and hangs up.
 */
final class SmtpConnection implements Runnable {

    private static final Logger log = LoggerFactory.getLogger("facteur.smtpd");

    /** How the error sleep waits; tests record it instead. */
    @FunctionalInterface
    interface Tarpit {
        void delay(Duration d) throws InterruptedException;
    }

    private final Socket plainSocket;
    private final SmtpSettings settings;
    private final SmtpSession session;
    private final Tarpit tarpit;
    private final Runnable releaseSlot;
    private final SmtpMetrics metrics;
    private final Object writeLock = new Object();
    private final String peer;

    /** Marks a command whose reply has already been sent. */
    private static final Reply NOTHING = new Reply(0, "", "(no reply)");

    private Socket socket;
    private SmtpInput in;
    private OutputStream out;
    private boolean slotReleased;
    private int errors;
    private int junk;
    private boolean idle;
    private volatile boolean shuttingDown;
    /** The client kept us waiting past a timeout: its read was ended, and it is told 421. */
    private volatile boolean timedOut;
    private final Deadline deadline = Deadlines.register(this::expired);
    /** How long the 421 after a timeout may take to write before the connection is simply closed. */
    private static final long HANG_UP_NANOS = Duration.ofSeconds(10).toNanos();

    /**
     * @param releaseSlot gives back the connection's place in the server's limits; run once, at
     *                    the latest when the connection ends
     */
    SmtpConnection(Socket socket, SmtpSettings settings, SmtpSession session, Tarpit tarpit, SmtpMetrics metrics, Runnable releaseSlot) {
        this.metrics = metrics;
        this.plainSocket = socket;
        this.socket = socket;
        this.settings = settings;
        this.session = session;
        this.tarpit = tarpit;
        this.releaseSlot = releaseSlot;
        this.peer = socket.getInetAddress().getHostAddress();
    }

    @Override
    public void run() {
        log.debug("connect from [{}]", peer);
        metrics.sessionStarted();
        try {
            socket.setTcpNoDelay(true);
            in = new SmtpInput(socket.getInputStream(), this::flush, deadline);
            out = new BufferedOutputStream(socket.getOutputStream()); // starts small, grows with pipelined replies
            if (settings.access().implicitTls()) handshake(); // RFC 8314 §3.3: TLS from the first byte, then the greeting
            Duration pause = session.greetPause();
            if (pause.isPositive() && in.talksWithin(socket, pause)) session.protocolViolation("talked before the greeting");
            Reply greeting = session.greeting();
            if (greeting.code() != 220) {
                hangUp(greeting); // refused at connect: no dialogue (postscreen drops the same way)
                return;
            }
            send(greeting);
            loop();
            if (timedOut) timeOut();
        } catch (IOException e) {
            if (timedOut) timeOut();
            else log.debug("connection from [{}] ended: {}", peer, e.toString());
        } catch (RuntimeException e) {
            log.error("internal error in session with [{}]", peer, e);
            hangUp(new Reply(421, "4.3.0", "Internal error, closing connection"));
        } finally {
            deadline.close();
            session.close();
            closeQuietly();
            releaseSlot();
            metrics.sessionEnded();
            log.debug("disconnect from [{}]", peer);
        }
    }

    private void loop() throws IOException {
        while (true) {
            synchronized (writeLock) {
                if (shuttingDown && !session.inTransaction()) {
                    hangUp(Replies.SHUTTING_DOWN);
                    return;
                }
                idle = !session.inTransaction();
            }
            // postscreen's lesson: a client that has not started any mail gets less patience than one at work
            in.timeout(session.hasStartedMail() ? settings.commandTimeout() : settings.defences().commandTimeoutBeforeMail());
            SmtpInput.Line line = in.readLine(SmtpSettings.MAX_COMMAND_LINE);
            synchronized (writeLock) {
                idle = false;
            }
            if (line == null) return;
            // RFC 2920 §3.1: no pipelining before EHLO's reply offers it (postscreen's pipelining test)
            if (in.hasBuffered() && !session.pipeliningOffered()) session.protocolViolation("pipelined commands without PIPELINING");
            Command cmd = switch (line) {
                case SmtpInput.Line.TooLong t -> new Command.Invalid(Replies.LINE_TOO_LONG);
                case SmtpInput.Line.Text t -> CommandParser.parse(t.bytes());
            };
            Reply reply = switch (cmd) {
                case Command.Ehlo c -> session.ehlo(c.domain());
                case Command.Helo c -> session.helo(c.domain());
                case Command.Mail c -> session.mail(c);
                case Command.Rcpt c -> session.rcpt(c);
                case Command.Data c -> data();
                case Command.Bdat c -> session.bdat(c, in);
                case Command.Rset c -> session.rset();
                case Command.Noop c -> session.noop();
                case Command.Vrfy c -> session.vrfy();
                case Command.Expn c -> new Reply(502, "5.5.1", "EXPN not available");
                case Command.Help c -> session.help();
                case Command.StartTls c -> startTls();
                case Command.Auth c -> session.auth(c, this::challenge);
                case Command.Quit c -> session.quit();
                case Command.NonSmtp c -> {
                    log.warn("non-SMTP command from [{}]: {}", peer, printable(c.line()));
                    yield Replies.NON_SMTP;
                }
                case Command.Invalid c -> c.reply();
            };
            if (reply == NOTHING) continue;
            count(cmd, reply);
            if (closesChannel(reply)) {
                if (reply.code() != 221) log.info("hang up on [{}] after: {}", peer, reply);
                hangUp(reply);
                return;
            }
            send(reply);
            if (chargesClient(reply)) errors++;
            if (isJunk(cmd) && ++junk > settings.defences().junkCommandLimit()) errors++;
            if (isAcceptedMessage(cmd, reply)) errors = junk = 0; // as Postfix: an accepted message clears the record
            if (errors >= settings.maxErrors()) {
                log.info("too many errors from [{}]", peer);
                hangUp(Replies.TOO_MANY_ERRORS);
                return;
            }
        }
    }

    /** A message taken, or a transaction's command refused, for the listener's metrics. */
    private void count(Command cmd, Reply reply) {
        if (isAcceptedMessage(cmd, reply)) metrics.accepted();
        else if (reply.code() >= 400 && (cmd instanceof Command.Mail || cmd instanceof Command.Rcpt || cmd instanceof Command.Data
                || cmd instanceof Command.Bdat)) metrics.refused(reply.code(), reply.enhanced(), reply.lines().getFirst());
    }

    /** RFC 5321 §3.8, §4.2.2: these replies announce the end of the channel; the server then closes it. */
    private static boolean closesChannel(Reply r) {
        return r.code() == 221 || r.code() == 421 || r.code() == 521;
    }

    /**
     * Whether a reply counts as one of the client's errors (Postfix's {@code error_count}): every
     * refusal (5xx), and a temporary one only when it says the client broke the protocol (RFC 3463
     * X.5.x). Deferrals an honest client meets are not counted, or greylisting would cut it off:
     * policy (X.7, greylisting), addresses and mailboxes (X.1, X.2), our own system (X.3), the
     * network (X.4), and too many recipients (X.5.3), which RFC 5321 §4.5.3.1.10 tells clients to
     * expect and handle.
     */
    static boolean chargesClient(Reply r) {
        if (r.code() >= 500) return true;
        return r.code() >= 400 && r.enhanced().startsWith("4.5.") && !r.enhanced().equals("4.5.3");
    }

    /** Commands that make no progress (Postfix's junk commands, and empty BDAT chunks that are not the last). */
    private static boolean isJunk(Command cmd) {
        return switch (cmd) {
            case Command.Noop c -> true;
            case Command.Rset c -> true;
            case Command.Vrfy c -> true;
            case Command.Help c -> true;
            case Command.Ehlo c -> true;
            case Command.Helo c -> true;
            case Command.Bdat c -> c.size() == 0 && !c.last();
            default -> false;
        };
    }

    private static boolean isAcceptedMessage(Command cmd, Reply reply) {
        boolean ends = cmd instanceof Command.Data || (cmd instanceof Command.Bdat b && b.last());
        return ends && reply.code() == 250;
    }

    private Reply data() throws IOException {
        Reply r = session.data();
        if (r.code() != 354) return r;
        send(r);
        in.timeout(settings.dataTimeout());
        return session.receiveData(in);
    }

    /** TLS 1.2 and 1.3 only: RFC 8996 retired 1.0 and 1.1, RFC 8314 §4.1 asks for 1.2 at least. */
    private static final String[] TLS_PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

    /** Longest line of an AUTH exchange: RFC 4954 §4 asks servers to take 12288 octets at least. */
    private static final int MAX_SASL_LINE = 12288;

    /** Sends one SASL challenge (RFC 4954 §4: {@code 334} and base64) and returns the client's answer line. */
    private String challenge(byte[] challenge) throws IOException {
        send(new Reply(334, "", Base64.getEncoder().encodeToString(challenge)));
        in.timeout(settings.commandTimeout());
        SmtpInput.Line line = in.readLine(MAX_SASL_LINE);
        return switch (line) {
            case null -> throw new EOFException("the client left in the middle of AUTH");
            case SmtpInput.Line.TooLong t -> "!"; // not base64: refused as such
            case SmtpInput.Line.Text t -> new String(t.bytes(), StandardCharsets.US_ASCII);
        };
    }

    /** RFC 3207. Anything the client pipelined after STARTTLS is dropped (CVE-2011-0411). */
    private Reply startTls() throws IOException {
        Reply r = session.startTls();
        if (r.code() != 220) return r;
        send(r);
        flush();
        in.discardBuffered();
        handshake();
        return NOTHING; // after the handshake the client speaks first
    }

    /** The TLS handshake on the connection (after STARTTLS, or at once on an implicit-TLS port), within the command timeout. */
    private void handshake() throws IOException {
        SSLSocket tlsSocket = (SSLSocket) settings.tls().getSocketFactory()
                .createSocket(socket, socket.getInetAddress().getHostAddress(), socket.getPort(), true);
        tlsSocket.setUseClientMode(false);
        tlsSocket.setEnabledProtocols(TLS_PROTOCOLS);
        deadline.arm(settings.commandTimeout().toNanos());
        try {
            tlsSocket.startHandshake();
        } finally {
            deadline.disarm();
        }
        synchronized (writeLock) {
            socket = tlsSocket;
            in.replaceStream(tlsSocket.getInputStream());
            out = new BufferedOutputStream(tlsSocket.getOutputStream());
        }
        var s = tlsSocket.getSession();
        metrics.tlsStarted(s.getProtocol());
        session.tlsStarted(s.getProtocol() + " with cipher " + s.getCipherSuite());
    }

    /**
     * Writes a reply. It stays buffered while the client has pipelined more; {@link SmtpInput}
     * flushes before it waits for input (RFC 2920 §3.2), so replies leave in as few packets as possible.
     * Once the client has made {@code soft_error_limit} errors, every reply first waits (Postfix's error sleep).
     */
    private void send(Reply r) throws IOException {
        if (errors >= settings.defences().softErrorLimit()) {
            try {
                tarpit.delay(settings.defences().errorSleep());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted in error sleep");
            }
        }
        synchronized (writeLock) {
            out.write(r.encode());
        }
        metrics.replied(r.code());
    }

    private void flush() throws IOException {
        synchronized (writeLock) {
            out.flush();
        }
    }

    /**
     * Gives up the connection's slot, then says the last reply. In that order: a client that
     * reconnects as soon as it reads 221 (as smtp-source does) must find the slot free.
     */
    private void hangUp(Reply last) {
        releaseSlot();
        try {
            synchronized (writeLock) {
                if (out == null) return;
                out.write(last.encode());
                out.flush();
            }
            metrics.replied(last.code());
        } catch (IOException ignored) {
            // the peer is gone; nothing more to tell it
        }
    }

    private void releaseSlot() {
        if (slotReleased) return;
        slotReleased = true;
        releaseSlot.run();
    }

    /**
     * Asks the connection to end: an idle one is told 421 at once; one in a transaction finishes
     * the command at hand and then gets its 421.
     */
    void shutdown() {
        shuttingDown = true;
        synchronized (writeLock) {
            if (idle && out != null) {
                try {
                    out.write(Replies.SHUTTING_DOWN.encode());
                    out.flush();
                    metrics.replied(Replies.SHUTTING_DOWN.code());
                } catch (IOException ignored) {
                    // closing anyway
                }
                closeQuietly();
            }
        }
    }

    void closeQuietly() {
        try {
            socket.close();
            if (socket != plainSocket) plainSocket.close();
        } catch (IOException ignored) {
            // already closed
        }
    }

    /**
     * The client made us wait too long (called by the deadline's thread): end the read it is
     * blocked in, so the connection's own thread says 421 and hangs up. If even that gets stuck
     * (a client that reads nothing), the next expiry closes the socket.
     */
    private void expired() {
        if (timedOut) {
            closeQuietly();
            return;
        }
        timedOut = true;
        deadline.arm(HANG_UP_NANOS);
        try {
            plainSocket.shutdownInput(); // the blocked read returns end of stream
        } catch (IOException e) {
            closeQuietly();
        }
    }

    /** RFC 5321 §4.5.3.2: the client did not go on in time; it is told so, 421 4.4.2. */
    private void timeOut() {
        log.info("timeout after {} from [{}]", session.inTransaction() ? "transaction start"
                : session.hasStartedMail() ? "command" : "connect, before MAIL", peer);
        deadline.arm(HANG_UP_NANOS);
        hangUp(Replies.TIMEOUT);
    }

    /** A client's line as it may go into a log: at most 100 characters, controls escaped. */
    private static String printable(String line) {
        StringBuilder sb = new StringBuilder();
        line.codePoints().limit(100).forEach(c -> {
            if (c < 32 || c == 127) sb.append(String.format("\\x%02x", c));
            else sb.appendCodePoint(c);
        });
        return sb.toString();
    }
}
