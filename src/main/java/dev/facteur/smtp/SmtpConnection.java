package dev.facteur.smtp;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import javax.net.ssl.SSLSocket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The socket loop of one client: reads a command, asks the session for the reply, writes it.
 * It is the only place that writes replies, counts errors, applies timeouts and hangs up.
 */
final class SmtpConnection implements Runnable {

    private static final Logger log = LoggerFactory.getLogger("facteur.smtpd");

    private final Socket plainSocket;
    private final SmtpSettings settings;
    private final SmtpSession session;
    private final Runnable onClose;
    private final Object writeLock = new Object();

    /** Marks a command whose reply has already been sent. */
    private static final Reply NOTHING = new Reply(0, "", "(no reply)");

    private Socket socket;
    private SmtpInput in;
    private OutputStream out;
    private int errors;
    private boolean idle;
    private volatile boolean shuttingDown;

    SmtpConnection(Socket socket, SmtpSettings settings, SmtpSession session, Runnable onClose) {
        this.plainSocket = socket;
        this.socket = socket;
        this.settings = settings;
        this.session = session;
        this.onClose = onClose;
    }

    @Override
    public void run() {
        String peer = socket.getInetAddress().getHostAddress();
        log.debug("connect from [{}]", peer);
        try {
            socket.setTcpNoDelay(true);
            socket.setSoTimeout((int) settings.commandTimeout().toMillis());
            in = new SmtpInput(socket.getInputStream());
            out = new BufferedOutputStream(socket.getOutputStream(), 4096);
            send(session.greeting(), true);
            loop();
        } catch (SocketTimeoutException e) {
            log.info("timeout after {} from [{}]", session.inTransaction() ? "transaction start" : "command", peer);
            trySend(Replies.TIMEOUT);
        } catch (IOException e) {
            log.debug("connection from [{}] ended: {}", peer, e.toString());
        } catch (RuntimeException e) {
            log.error("internal error in session with [{}]", peer, e);
            trySend(new Reply(421, "4.3.0", "Internal error, closing connection"));
        } finally {
            session.close();
            closeQuietly();
            onClose.run();
            log.debug("disconnect from [{}]", peer);
        }
    }

    private void loop() throws IOException {
        while (true) {
            synchronized (writeLock) {
                if (shuttingDown && !session.inTransaction()) {
                    sendLocked(Replies.SHUTTING_DOWN, true);
                    return;
                }
                idle = !session.inTransaction();
            }
            SmtpInput.Line line = in.readLine(SmtpSettings.MAX_COMMAND_LINE);
            synchronized (writeLock) {
                idle = false;
            }
            if (line == null) return;
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
                case Command.Quit c -> {
                    send(session.quit(), true);
                    yield null;
                }
                case Command.Invalid c -> c.reply();
            };
            if (reply == null) return;
            if (reply == NOTHING) continue;
            if (reply.code() >= 500 && ++errors >= settings.maxErrors()) {
                send(reply, false);
                send(Replies.TOO_MANY_ERRORS, true);
                log.info("too many errors from [{}]", socket.getInetAddress().getHostAddress());
                return;
            }
            // With PIPELINING the client may already have sent more; answer in one packet later.
            send(reply, !in.hasBuffered());
        }
    }

    private Reply data() throws IOException {
        Reply r = session.data();
        if (r.code() != 354) return r;
        send(r, true);
        socket.setSoTimeout((int) settings.dataTimeout().toMillis());
        try {
            return session.receiveData(in);
        } finally {
            socket.setSoTimeout((int) settings.commandTimeout().toMillis());
        }
    }

    /** RFC 3207. Anything the client pipelined after STARTTLS is dropped (CVE-2011-0411). */
    private Reply startTls() throws IOException {
        Reply r = session.startTls();
        if (r.code() != 220) return r;
        send(r, true);
        in.discardBuffered();
        SSLSocket tlsSocket = (SSLSocket) settings.tls().getSocketFactory()
                .createSocket(socket, socket.getInetAddress().getHostAddress(), socket.getPort(), true);
        tlsSocket.setUseClientMode(false);
        tlsSocket.setSoTimeout((int) settings.commandTimeout().toMillis());
        tlsSocket.startHandshake();
        synchronized (writeLock) {
            socket = tlsSocket;
            in.replaceStream(tlsSocket.getInputStream());
            out = new BufferedOutputStream(tlsSocket.getOutputStream(), 4096);
        }
        var s = tlsSocket.getSession();
        session.tlsStarted(s.getProtocol() + " with cipher " + s.getCipherSuite());
        return NOTHING; // after the handshake the client speaks first
    }

    private void send(Reply r, boolean flush) throws IOException {
        synchronized (writeLock) {
            sendLocked(r, flush);
        }
    }

    private void sendLocked(Reply r, boolean flush) throws IOException {
        out.write(r.encode());
        if (flush) out.flush();
    }

    private void trySend(Reply r) {
        try {
            if (out != null) send(r, true);
        } catch (IOException ignored) {
            // the peer is gone; nothing more to tell it
        }
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
                    sendLocked(Replies.SHUTTING_DOWN, true);
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
}
