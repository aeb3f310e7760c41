package dev.facteur.delivery;

import dev.facteur.io.ByteScan;
import dev.facteur.message.Body;
import dev.facteur.message.Envelope;
import dev.facteur.message.Mailbox;
import dev.facteur.message.Recipient;
import dev.facteur.smtp.Reply;
import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ProtocolException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/**
 * One SMTP client connection (RFC 5321 §3, §4). Opens, greets, says EHLO (HELO if refused),
 * upgrades with STARTTLS as the {@link TlsPolicy} says, then sends messages, each with an
 * outcome per recipient ({@link Sent}). Each {@link Stage} has a deadline for its whole reply.
 *
 * <p>Before a message, trouble is an {@link IOException}: the caller tries another server.
 * During one, {@link #send} keeps every reply received and defers only the recipients not yet
 * answered: a message is never counted delivered without the server's 2xx after the final dot,
 * and never retried once the server has refused it for good. docs/delivery.md has the table.
 */
public final class SmtpClient implements Closeable {

    /** The TLS handshake (or the EHLO just after it) failed: the connection is unusable. */
    static final class TlsFailure extends IOException {
        TlsFailure(IOException cause) {
            super("TLS handshake failed: " + describe(cause), cause);
        }
    }

    /** A kept connection did not take RSET: the server has said nothing about the message, so a fresh connection may. */
    public static final class StaleConnection extends IOException {
        StaleConnection(String message) {
            super(message);
        }
    }

    /** Reading the queued message failed: our trouble, not the server's, and the data must not be ended with a dot. */
    private static final class LocalContentFailure extends IOException {
        LocalContentFailure(IOException cause) {
            super(describe(cause), cause);
        }
    }

    private final ClientSettings settings;
    private final String peerName;
    /** As in logs and reasons: {@code mx.example.org[192.0.2.1]:25}. */
    private final String label;
    private final boolean lmtp;
    private Socket socket;        // TCP; null over a unix socket
    private SocketChannel unix;   // a unix socket (LMTP to a local server); null over TCP
    private ReplyReader in;
    private OutputStream out;
    private final Reply greeting;
    private final Map<String, String> extensions = new HashMap<>();
    private boolean esmtp;
    private String tls = "";
    private Reply startTlsRefusal;
    private byte[] copyBuffer;
    /** A transaction has happened since the last RSET. */
    private boolean used;

    private SmtpClient(Socket socket, String peerName, ClientSettings settings, boolean lmtp) throws IOException {
        this.settings = settings;
        this.peerName = peerName;
        this.label = peerName + "[" + socket.getInetAddress().getHostAddress() + "]:" + socket.getPort();
        this.lmtp = lmtp;
        attach(socket);
        this.greeting = readReply(Stage.GREETING);
    }

    private SmtpClient(SocketChannel unix, Path path, ClientSettings settings) throws IOException {
        this.settings = settings;
        this.peerName = "localhost";
        this.label = "unix:" + path;
        this.lmtp = true;
        this.unix = unix;
        // a channel has no read timeout: the watchdog holds each reply to its deadline
        in = new ReplyReader(Channels.newInputStream(unix), millis -> { }, System::nanoTime);
        out = new BufferedOutputStream(Channels.newOutputStream(unix), 64 * 1024);
        this.greeting = readReply(Stage.GREETING);
    }

    /** LMTP over a unix socket (Dovecot's {@code /var/run/dovecot/lmtp}, say). */
    public static SmtpClient connectLmtp(Path socketPath, ClientSettings settings) throws IOException {
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            ch.connect(UnixDomainSocketAddress.of(socketPath));
            return new SmtpClient(ch, socketPath, settings);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /** Connects and reads the greeting; a greeting other than 2xx is returned, not thrown. */
    public static SmtpClient connect(InetSocketAddress address, String peerName, ClientSettings settings) throws IOException {
        return connect(address, peerName, settings, false);
    }

    /** As {@link #connect}, for an LMTP server (RFC 2033): LHLO, and a reply per recipient after the data. */
    public static SmtpClient connectLmtp(InetSocketAddress address, String peerName, ClientSettings settings) throws IOException {
        return connect(address, peerName, settings, true);
    }

    private static SmtpClient connect(InetSocketAddress address, String peerName, ClientSettings settings, boolean lmtp)
            throws IOException {
        Socket s = new Socket();
        try {
            s.setTcpNoDelay(true);
            s.connect(address, (int) settings.connectTimeout().toMillis());
            return new SmtpClient(s, peerName, settings, lmtp);
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    private void attach(Socket s) throws IOException {
        socket = s;
        // a fresh reader: whatever came before TLS, pipelined by an attacker after the 220, is dropped
        in = new ReplyReader(s.getInputStream(), s::setSoTimeout, System::nanoTime);
        out = new BufferedOutputStream(s.getOutputStream(), 64 * 1024);
    }

    public Reply greeting() {
        return greeting;
    }

    /** e.g. "TLSv1.3 with cipher TLS_AES_256_GCM_SHA384", or empty without TLS. */
    public String tls() {
        return tls;
    }

    /** The server's refusal of STARTTLS, if it offered it and then refused; null otherwise. */
    Reply startTlsRefusal() {
        return startTlsRefusal;
    }

    public boolean offers(String extension) {
        return extensions.containsKey(extension.toUpperCase(Locale.ROOT));
    }

    /** The limit from {@code SIZE n} (RFC 1870), if the server gave one. */
    public OptionalLong sizeLimit() {
        String v = extensions.get("SIZE");
        if (v == null || v.isEmpty()) return OptionalLong.empty();
        try {
            long n = Long.parseLong(v.strip());
            return n > 0 ? OptionalLong.of(n) : OptionalLong.empty();
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    /** {@link #hello(TlsPolicy)} with the configured opportunistic STARTTLS. */
    public Reply hello() throws IOException {
        return hello(settings.opportunisticTls());
    }

    /**
     * EHLO, or HELO when EHLO is refused (but not after 421: the server is closing, RFC 5321
     * §3.8); then STARTTLS when offered and the policy has a context, and EHLO again over TLS
     * (RFC 3207 §4.2). A refused STARTTLS leaves the connection in plain text for the caller to
     * judge by its policy ({@link #startTlsRefusal}). Returns the final reply: anything but 2xx
     * means the server will not talk to us. A failed handshake throws {@link TlsFailure}.
     */
    public Reply hello(TlsPolicy policy) throws IOException {
        Reply r = ehlo();
        if (lmtp || r.code() == 421) return r; // LMTP has no HELO, and its servers are ours: no STARTTLS
        if (r.code() / 100 != 2) {
            esmtp = false;
            return command("HELO " + settings.heloName(), Stage.HELO);
        }
        SSLContext context = policy.context();
        if (context == null || !offers("STARTTLS")) return r;
        Reply t = command("STARTTLS", Stage.STARTTLS);
        if (t.code() == 421) return t;
        if (t.code() / 100 != 2) {
            startTlsRefusal = t; // RFC 3207 §4.1: the client may go on without TLS, if its policy allows
            return r;
        }
        try {
            startTls(context, policy instanceof TlsPolicy.Required req && req.verify());
            return ehlo();
        } catch (IOException e) {
            close();
            throw e instanceof TlsFailure f ? f : new TlsFailure(e);
        }
    }

    private Reply ehlo() throws IOException {
        Reply r = command((lmtp ? "LHLO " : "EHLO ") + settings.heloName(), Stage.EHLO);
        extensions.clear();
        if (r.code() / 100 == 2) {
            esmtp = true;
            for (String line : r.lines().subList(1, r.lines().size())) {
                String[] kv = line.strip().split(" ", 2);
                extensions.put(kv[0].toUpperCase(Locale.ROOT), kv.length > 1 ? kv[1] : "");
            }
        }
        return r;
    }

    private void startTls(SSLContext context, boolean verify) throws TlsFailure {
        Duration limit = Stage.TLS_HANDSHAKE.timeout(settings);
        // a read timeout bounds each read; the watchdog bounds the handshake, however slowly it trickles
        WriteWatchdog.Guard guard = WriteWatchdog.guard(this, limit);
        try {
            SSLSocket ssl = (SSLSocket) context.getSocketFactory().createSocket(socket, peerName, socket.getPort(), true);
            ssl.setUseClientMode(true);
            ssl.setEnabledProtocols(new String[] {"TLSv1.3", "TLSv1.2"});
            var params = ssl.getSSLParameters();
            if (!peerName.isEmpty() && Character.isLetter(peerName.charAt(peerName.length() - 1)))
                params.setServerNames(List.of(new SNIHostName(peerName))); // RFC 6066 SNI, names only
            if (verify) params.setEndpointIdentificationAlgorithm("HTTPS"); // RFC 6125 name check
            ssl.setSSLParameters(params);
            ssl.setSoTimeout(millis(limit));
            ssl.startHandshake();
            attach(ssl);
            tls = ssl.getSession().getProtocol() + " with cipher " + ssl.getSession().getCipherSuite();
        } catch (IOException e) {
            throw new TlsFailure(guard.expired() ? new SocketTimeoutException("no handshake within " + human(limit)) : e);
        } finally {
            guard.close();
        }
    }

    /**
     * Sends one message: an outcome for each recipient of {@code m}, in order. Never throws for
     * what happens during the transaction (see {@link Sent}); only a kept connection that turns
     * out not to take RSET, before the server answered anything about this message, throws
     * {@link StaleConnection}.
     */
    public Sent send(OutgoingMessage m) throws StaleConnection {
        Reply refusal = cannotTake(m);
        if (refusal != null) return Sent.all(m.recipients().size(), Outcome.of(refusal));
        Outcome[] given = new Outcome[m.recipients().size()];
        try {
            transaction(m, given);
            return Sent.of(given, null);
        } catch (StaleConnection e) {
            throw e;
        } catch (IOException e) {
            close();
            return Sent.of(given, failure(label, e));
        }
    }

    /** The transaction, filling in each recipient's outcome as soon as the server has decided it. */
    private void transaction(OutgoingMessage m, Outcome[] given) throws IOException {
        List<Recipient> rcpts = m.recipients();
        boolean utf8 = smtpUtf8(m);
        boolean resetFirst = used; // RSET between messages on one connection, which also shows it is alive
        used = true;
        List<Integer> accepted = new ArrayList<>(rcpts.size());
        Reply data;
        if (offers("PIPELINING")) {
            // RFC 2920: [RSET,] MAIL, every RCPT and DATA go out in one write; replies come back in order.
            StringBuilder batch = new StringBuilder();
            if (resetFirst) batch.append("RSET\r\n");
            batch.append(mailCommand(m, utf8)).append("\r\n");
            for (Recipient r : rcpts) batch.append(rcptCommand(r, m.envelope(), utf8)).append("\r\n");
            batch.append("DATA\r\n");
            if (resetFirst) {
                requireReset(() -> {
                    write(batch.toString(), Stage.MAIL);
                    return readReply(Stage.RSET);
                });
            } else {
                write(batch.toString(), Stage.MAIL);
            }
            Reply mail = expect2xx(readReply(Stage.MAIL), Stage.MAIL);
            if (mail.code() / 100 != 2) Arrays.fill(given, Outcome.of(mail));
            for (int i = 0; i < rcpts.size(); i++) {
                Reply r = expect2xx(readReply(Stage.RCPT), Stage.RCPT);
                if (given[i] != null) continue; // MAIL was refused: these replies say nothing more
                if (r.code() / 100 == 2) accepted.add(i);
                else given[i] = Outcome.of(r);
            }
            data = readReply(Stage.DATA);
        } else {
            if (resetFirst) requireReset(() -> command("RSET", Stage.RSET));
            Reply mail = expect2xx(command(mailCommand(m, utf8), Stage.MAIL), Stage.MAIL);
            if (mail.code() / 100 != 2) {
                Arrays.fill(given, Outcome.of(mail));
                resetQuietly();
                return;
            }
            for (int i = 0; i < rcpts.size(); i++) {
                Reply r = expect2xx(command(rcptCommand(rcpts.get(i), m.envelope(), utf8), Stage.RCPT), Stage.RCPT);
                if (r.code() / 100 == 2) accepted.add(i);
                else given[i] = Outcome.of(r);
            }
            if (accepted.isEmpty()) {
                resetQuietly();
                return;
            }
            data = command("DATA", Stage.DATA);
        }
        // RFC 5321 §4.3.2: only 354 lets the data go; any other positive reply is a server out of step
        if (data.code() != 354) {
            if (data.code() / 100 != 4 && data.code() / 100 != 5)
                throw new ProtocolException("DATA was answered with " + data + " (expected 354)");
            for (int i : accepted) given[i] = Outcome.of(data);
            resetQuietly();
            return;
        }
        if (accepted.isEmpty()) {
            // RFC 2920 §3.1: the server said 354 with no recipient (or after refusing MAIL); end it at once
            write(".\r\n", Stage.DOT);
            readReply(Stage.DOT);
            resetQuietly();
            return;
        }
        sendContent(m.content());
        if (lmtp) {
            // RFC 2033 §4.2: one reply per accepted recipient, each final however the connection ends later
            for (int i : accepted) given[i] = Outcome.of(expect2xx(readReply(Stage.DOT), Stage.DOT));
            return;
        }
        Reply end = expect2xx(readReply(Stage.DOT), Stage.DOT);
        for (int i : accepted) given[i] = Outcome.of(end);
        if (end.code() / 100 != 2) resetQuietly();
    }

    /** RFC 5321 §4.2.1: 2xx goes on, 4xx and 5xx refuse; anything else is a server out of step. */
    private static Reply expect2xx(Reply r, Stage stage) throws ProtocolException {
        int kind = r.code() / 100;
        if (kind == 2 || kind == 4 || kind == 5) return r;
        throw new ProtocolException(stage + " was answered with " + r + " (expected 2xx, 4xx or 5xx)");
    }

    /**
     * SMTP AUTH (RFC 4954) with PLAIN (RFC 4616), or LOGIN when that is all the server offers.
     * Returns the server's last reply: 235 means authenticated. The caller decides whether the
     * connection is safe enough to send a password on.
     */
    public Reply authenticate(String username, String password) throws IOException {
        if (!offers("AUTH")) throw new IllegalStateException("the server did not offer AUTH");
        List<String> mechanisms = List.of(extensions.get("AUTH").toUpperCase(Locale.ROOT).split(" "));
        if (!mechanisms.contains("PLAIN") && !mechanisms.contains("LOGIN"))
            return new Reply(504, "5.5.4", "the server offers neither PLAIN nor LOGIN (offered: AUTH " + extensions.get("AUTH") + ")");
        Base64.Encoder b64 = Base64.getEncoder();
        if (mechanisms.contains("PLAIN")) {
            String token = b64.encodeToString(("\0" + username + "\0" + password).getBytes(StandardCharsets.UTF_8));
            return command("AUTH PLAIN " + token, Stage.AUTH);
        }
        Reply r = command("AUTH LOGIN", Stage.AUTH);
        if (r.code() != 334) return r;
        r = command(b64.encodeToString(username.getBytes(StandardCharsets.UTF_8)), Stage.AUTH);
        if (r.code() != 334) return r;
        return command(b64.encodeToString(password.getBytes(StandardCharsets.UTF_8)), Stage.AUTH);
    }

    /**
     * Why this server cannot take the message, judged from what it advertised (SIZE, SMTPUTF8,
     * 8BITMIME), or null when it can. The reply is ours, not the server's.
     */
    public Reply cannotTake(OutgoingMessage m) {
        OptionalLong limit = sizeLimit();
        if (limit.isPresent() && m.size() > limit.getAsLong())
            return new Reply(552, "5.3.4", "Message too big for the remote server (" + m.size() + " > " + limit.getAsLong() + " bytes)");
        Envelope e = m.envelope();
        if (needsUtf8(m) && !offers("SMTPUTF8"))
            return new Reply(553, "5.6.7", "Remote server does not support SMTPUTF8, needed for this address (RFC 6531)");
        if (e.body() == Body.EIGHT_BIT_MIME && !offers("8BITMIME"))
            return new Reply(554, "5.6.3", "Remote server does not support 8BITMIME and the message is 8-bit (RFC 6152)");
        return null;
    }

    private static boolean needsUtf8(OutgoingMessage m) {
        if (m.envelope().sender().mailbox().map(Mailbox::isInternationalized).orElse(false)) return true;
        return m.recipients().stream().anyMatch(r -> r.address().isInternationalized());
    }

    /** Whether this transaction is SMTPUTF8 (RFC 6531 §3.4): the only kind whose commands may carry UTF-8. */
    private boolean smtpUtf8(OutgoingMessage m) {
        return esmtp && (needsUtf8(m) || (m.envelope().smtpUtf8() && offers("SMTPUTF8")));
    }

    private String mailCommand(OutgoingMessage m, boolean utf8) {
        Envelope e = m.envelope();
        StringBuilder sb = new StringBuilder("MAIL FROM:<").append(e.sender()).append('>');
        if (!esmtp) return sb.toString();
        if (offers("SIZE")) sb.append(" SIZE=").append(m.size());
        if (e.body() == Body.EIGHT_BIT_MIME && offers("8BITMIME")) sb.append(" BODY=8BITMIME");
        if (utf8) sb.append(" SMTPUTF8");
        if (!lmtp && offers("DSN")) {
            if (e.ret() != null) sb.append(" RET=").append(e.ret());
            if (e.envid() != null) sb.append(" ENVID=").append(e.envid());
        }
        return sb.toString();
    }

    private String rcptCommand(Recipient r, Envelope e, boolean utf8) {
        StringBuilder sb = new StringBuilder("RCPT TO:<").append(r.address()).append('>');
        // an LMTP server delivers: we report delivery ourselves, so it gets no DSN duties
        if (esmtp && !lmtp && offers("DSN")) {
            String notify = r.dsnNotify().toParameter();
            if (notify != null) sb.append(" NOTIFY=").append(notify);
            String orcpt = r.orcpt() == null ? null : Orcpt.forTransaction(r.orcpt(), utf8);
            if (orcpt != null) sb.append(" ORCPT=").append(orcpt);
        }
        return sb.toString();
    }

    /**
     * Writes the content with dot-stuffing (RFC 5321 §4.5.2), makes sure it ends with CRLF, and
     * sends the final dot in the same write as the last bytes (no lone "." packet waiting on a
     * delayed ACK). When the stored content cannot be read, no dot is sent: the connection is
     * dropped mid-data, so the server discards what it got.
     */
    private void sendContent(OutgoingMessage.Content content) throws IOException {
        Duration limit = Stage.CONTENT.timeout(settings);
        WriteWatchdog.Guard guard = WriteWatchdog.guard(this, limit);
        InputStream body = null;
        try {
            body = openContent(content);
            if (copyBuffer == null) copyBuffer = new byte[32 * 1024];
            byte[] buf = copyBuffer;
            boolean atLineStart = true;
            int last = '\n';
            int prev = '\r';
            for (int n; (n = readContent(body, buf)) > 0; ) {
                int start = 0;
                // A line-start dot is at 0 or just after an LF (stored content has CRLF line ends).
                for (int i = atLineStart ? 0 : lineStartAfter(buf, 0, n); i < n; i = lineStartAfter(buf, i, n)) {
                    if (buf[i] == '.') {
                        out.write(buf, start, i - start);
                        out.write('.');
                        start = i;
                    }
                }
                out.write(buf, start, n - start);
                guard.progress();
                atLineStart = buf[n - 1] == '\n';
                prev = n >= 2 ? buf[n - 2] : last;
                last = buf[n - 1];
            }
            if (!(prev == '\r' && last == '\n')) out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
            out.write(".\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
        } catch (LocalContentFailure e) {
            throw e;
        } catch (IOException e) {
            throw guard.expired() ? new SocketTimeoutException("the server took no data for " + human(limit) + " while we sent " + Stage.CONTENT)
                    : new IOException("connection lost while sending " + Stage.CONTENT + ": " + describe(e), e);
        } finally {
            guard.close();
            if (body != null) {
                try {
                    body.close();
                } catch (IOException ignored) {
                    // read to the end already, or failing anyway
                }
            }
        }
    }

    private static InputStream openContent(OutgoingMessage.Content content) throws LocalContentFailure {
        try {
            return content.open();
        } catch (IOException e) {
            throw new LocalContentFailure(e);
        }
    }

    private static int readContent(InputStream body, byte[] buf) throws LocalContentFailure {
        try {
            return body.read(buf);
        } catch (IOException e) {
            throw new LocalContentFailure(e);
        }
    }

    /** Index of the first byte after an LF at or after {@code from} (n when none). */
    private static int lineStartAfter(byte[] b, int from, int n) {
        int lf = ByteScan.indexOf(b, from, n, (byte) '\n');
        return lf == n ? n : lf + 1;
    }

    /**
     * RSET after a failed transaction, so the connection can serve again (RFC 5321 §4.1.1.5).
     * Whatever happens to it, the replies already received stand; a connection that will not
     * reset is closed, never reused.
     */
    private void resetQuietly() {
        try {
            if (command("RSET", Stage.RSET).code() / 100 == 2) used = false;
            else close();
        } catch (IOException e) {
            close();
        }
    }

    @FunctionalInterface
    private interface Exchange {
        Reply run() throws IOException;
    }

    /** A kept connection must take RSET before it is trusted with a message: close it otherwise, and let the caller start afresh. */
    private void requireReset(Exchange reset) throws StaleConnection {
        Reply r;
        try {
            r = reset.run();
        } catch (IOException e) {
            close();
            throw new StaleConnection("kept connection to " + label + " is gone: " + describe(e));
        }
        if (r.code() / 100 == 2) return;
        close();
        throw new StaleConnection("RSET refused on a kept connection to " + label + ": " + r);
    }

    /** Says QUIT and closes; whatever the server answers, or not, changes nothing. */
    public void quit() {
        try {
            write("QUIT\r\n", Stage.QUIT);
            readReply(Stage.QUIT);
        } catch (IOException ignored) {
            // closing anyway
        } finally {
            close();
        }
    }

    private Reply command(String line, Stage stage) throws IOException {
        write(line + "\r\n", stage);
        return readReply(stage);
    }

    private void write(String s, Stage stage) throws IOException {
        Duration limit = stage.timeout(settings);
        WriteWatchdog.Guard guard = WriteWatchdog.guard(this, limit); // a long pipelined batch to a server that stopped reading
        try {
            out.write(s.getBytes(StandardCharsets.UTF_8));
            out.flush();
        } catch (IOException e) {
            close();
            throw guard.expired() ? new SocketTimeoutException("the server took no command for " + human(limit) + " at " + stage)
                    : new IOException("connection lost while sending " + stage + ": " + describe(e), e);
        } finally {
            guard.close();
        }
    }

    /** One whole reply within the stage's deadline; on any failure the connection is closed, for it is out of step. */
    private Reply readReply(Stage stage) throws IOException {
        Duration limit = stage.timeout(settings);
        WriteWatchdog.Guard guard = WriteWatchdog.guard(this, limit);
        try {
            return in.read(limit);
        } catch (IOException e) {
            close();
            if (guard.expired() || e instanceof SocketTimeoutException)
                throw new SocketTimeoutException("no complete reply to " + stage + " within " + human(limit));
            if (e instanceof ProtocolException) throw new ProtocolException(e.getMessage() + ", in reply to " + stage);
            if (e instanceof EOFException) throw new EOFException("the server closed the connection before replying to " + stage);
            throw new IOException("connection lost waiting for the reply to " + stage + ": " + describe(e), e);
        } finally {
            guard.close();
        }
    }

    /**
     * Our reply for recipients a broken conversation with {@code server} left unanswered, or for a
     * server that could not be used at all: all temporary, for the next server or the next attempt.
     */
    static Reply failure(String server, IOException e) {
        if (e instanceof LocalContentFailure) return new Reply(451, "4.3.0", "Cannot read the queued message: " + e.getMessage());
        if (e instanceof ProtocolException) return new Reply(451, "4.5.0", "Protocol error with " + server + ": " + describe(e));
        return new Reply(421, "4.4.2", "Connection to " + server + " failed: " + describe(e));
    }

    static String describe(Throwable e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    static String human(Duration d) {
        long ms = d.toMillis();
        if (ms < 1000 || ms % 1000 != 0) return ms + " ms";
        long s = ms / 1000;
        return s < 60 || s % 60 != 0 ? s + " s" : s / 60 + " min";
    }

    private static int millis(Duration d) {
        return (int) Math.min(Integer.MAX_VALUE, Math.max(1, d.toMillis()));
    }

    public boolean isOpen() {
        return socket != null ? !socket.isClosed() : unix.isOpen();
    }

    @Override
    public void close() {
        try {
            if (socket != null) socket.close();
            else unix.close();
        } catch (IOException ignored) {
            // nothing to do
        }
    }
}
