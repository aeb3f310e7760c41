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
    /** Messages sent on this connection ({@link #send} calls). */
    private int messages;
    /** Run once, when the connection closes (a traffic shaping lease to give back). */
    private Runnable onClose;
    /** Time spent waiting for replies since the last {@link #send} began. */
    private long waited;
    /**
     * Why a write failed, once one has: nothing more is sent, but the replies the server sent
     * before it hung up are still read (a 5xx to the data it read so far is a verdict).
     */
    private IOException lost;

    /** How long a reply is waited for once a write has failed: it is there already, or it is not coming. */
    private static final Duration AFTER_LOSS = Duration.ofSeconds(2);

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
        in = new ReplyReader(Channels.newInputStream(unix));
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
        return connect(new Socket(), address, peerName, settings, lmtp);
    }

    /** The local address to send from cannot be used (not this machine's): our trouble, not the server's. */
    static final class SourceUnusable extends IOException {
        SourceUnusable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** As {@link #connect}, from the local address {@code source} (a sending pool's address; its EHLO name is in {@code settings}). */
    public static SmtpClient connectFrom(java.net.InetAddress source, InetSocketAddress address, String peerName, ClientSettings settings)
            throws IOException {
        Socket s = new Socket();
        try {
            s.bind(new InetSocketAddress(source, 0));
        } catch (IOException | RuntimeException e) {
            s.close();
            throw new SourceUnusable("cannot send from " + source.getHostAddress() + ": " + describe(e), e);
        }
        return connect(s, address, peerName, settings, false);
    }

    /** As {@link #connect}, on a socket the caller set up: tests give it the small buffers of a long network path. */
    static SmtpClient connect(Socket s, InetSocketAddress address, String peerName, ClientSettings settings, boolean lmtp)
            throws IOException {
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
        // a fresh reader: whatever came before TLS, pipelined by an attacker after the 220, is dropped.
        // No SO_TIMEOUT: the watchdog bounds each whole reply (readReply), and a read with a socket
        // timeout parks the virtual thread with a timer, which costs more CPU than the reply itself.
        in = new ReplyReader(s.getInputStream());
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
        // the watchdog bounds the handshake, however slowly it trickles
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
     * How long the server took to answer during the last {@link #send}: the time spent waiting
     * for its replies, which grows with its backlog, not with the size of the message.
     */
    public Duration answerTime() {
        return Duration.ofNanos(waited);
    }

    /**
     * Sends one message: an outcome for each recipient of {@code m}, in order. Never throws for
     * what happens during the transaction (see {@link Sent}); only a kept connection that turns
     * out not to take RSET, before the server answered anything about this message, throws
     * {@link StaleConnection}. Recipients the server had no room for (452, RFC 5321 §4.5.3.1.10)
     * go at once in another transaction on this connection, once the first has delivered.
     */
    public Sent send(OutgoingMessage m) throws StaleConnection {
        Reply refusal = cannotTake(m);
        if (refusal != null) return Sent.all(m.recipients().size(), Outcome.of(refusal));
        Outcome[] given = new Outcome[m.recipients().size()];
        waited = 0;
        messages++;
        try {
            boolean resetFirst = used; // RSET between messages on one connection, which also shows it is alive
            int[] batch = null; // every recipient, the first time
            do {
                batch = new Transaction(m, batch, given).run(resetFirst);
                resetFirst = false; // a transaction that delivered leaves the server ready for the next MAIL
            } while (batch != null);
            return Sent.of(given, null, false);
        } catch (StaleConnection e) {
            throw e;
        } catch (IOException e) {
            close();
            return Sent.of(given, failure(label, e), e instanceof LocalContentFailure);
        }
    }

    /**
     * One mail transaction (RFC 5321 §3.3) for some recipients of a message, filling in each
     * one's outcome as soon as the server has decided it.
     *
     * <p>With PIPELINING, [RSET,] MAIL, the RCPTs and DATA go out in windows of at most
     * {@link #WINDOW} bytes, and the replies due are read before the next window is written
     * (RFC 2920 §3.2): a server that answers each command before it reads the next, and whose
     * buffers are full, would otherwise wait for us to read while we wait for it to read. A
     * transaction that fits in one window (most do) goes out in one write.
     */
    private final class Transaction {
        private final OutgoingMessage m;
        /** Positions in the message's recipient list; null for all of them. */
        private final int[] batch;
        private final int count;
        private final Outcome[] given;
        private final boolean utf8;
        private final List<Integer> accepted;
        /** The server's first "no room" reply (452, RFC 5321 §4.5.3.1.10), and the recipients it leaves for another transaction. */
        private Reply noRoom;
        private List<Integer> left;
        private boolean mailRefused;
        // pipelining: what went out whose reply has not been read, and how many bytes since replies were last read
        private boolean rsetDue;
        private boolean mailDue;
        private int rcptsSent;
        private int rcptsAnswered;
        private int window;

        Transaction(OutgoingMessage m, int[] batch, Outcome[] given) {
            this.m = m;
            this.batch = batch;
            this.count = batch == null ? m.recipients().size() : batch.length;
            this.given = given;
            this.utf8 = smtpUtf8(m);
            this.accepted = new ArrayList<>(count);
        }

        private int position(int k) {
            return batch == null ? k : batch[k];
        }

        private String rcpt(int k) {
            return rcptCommand(m.recipients().get(position(k)), m.envelope(), utf8);
        }

        /** The transaction; returns the recipients to send again at once in a new one, or null. */
        int[] run(boolean resetFirst) throws IOException {
            used = true;
            Reply data = offers("PIPELINING") ? pipelined(resetFirst) : lockStep(resetFirst);
            if (data == null) {
                resetQuietly();
                return null;
            }
            // RFC 5321 §4.3.2: only 354 lets the data go; any other positive reply is a server out of step
            if (data.code() != 354) {
                if (data.code() / 100 != 4 && data.code() / 100 != 5)
                    throw new ProtocolException("DATA was answered with " + data + " (expected 354)");
                for (int i : accepted) given[i] = Outcome.of(data);
                resetQuietly();
                return null;
            }
            if (accepted.isEmpty()) {
                // RFC 2920 §3.1: the server said 354 with no recipient (or after refusing MAIL); end it at once
                write(".\r\n", Stage.DOT);
                readReply(Stage.DOT);
                resetQuietly();
                return null;
            }
            sendContent(m.content());
            boolean delivered = false;
            if (lmtp) {
                // RFC 2033 §4.2: one reply per accepted recipient, each final however the connection ends later
                for (int i : accepted) {
                    given[i] = Outcome.of(dotReply());
                    delivered |= given[i] instanceof Outcome.Delivered;
                }
            } else {
                Reply end = dotReply();
                for (int i : accepted) given[i] = Outcome.of(end);
                delivered = end.code() / 100 == 2;
                if (!delivered) resetQuietly();
            }
            return nextBatch(delivered);
        }

        /** RFC 2920: [RSET,] MAIL, RCPTs and DATA in windows; the reply to DATA, or null when no DATA was sent. */
        private Reply pipelined(boolean resetFirst) throws IOException {
            if (resetFirst) {
                put(RSET);
                rsetDue = true;
            }
            put(line(mailCommand(m, utf8)));
            mailDue = true;
            for (int k = 0; k < count; k++) {
                byte[] rcpt = line(rcpt(k));
                if (!fits(rcpt)) {
                    catchUp();
                    if (mailRefused) break;
                    if (noRoom != null) {
                        keepFrom(k);
                        break;
                    }
                }
                put(rcpt);
                rcptsSent++;
            }
            if (!fits(DATA)) catchUp();
            if (caughtUp() && (mailRefused || accepted.isEmpty())) return null; // nothing to send: no DATA
            put(DATA);
            catchUp();
            return readReply(Stage.DATA);
        }

        /** Without PIPELINING: a command, its reply, the next command. */
        private Reply lockStep(boolean resetFirst) throws IOException {
            if (resetFirst) requireReset(() -> command("RSET", Stage.RSET));
            answerMail(command(mailCommand(m, utf8), Stage.MAIL));
            if (mailRefused) return null;
            for (int k = 0; k < count; k++) {
                if (noRoom != null) {
                    keepFrom(k); // the server said it has no room: the rest would be refused alike
                    break;
                }
                answerRcpt(k, command(rcpt(k), Stage.RCPT));
            }
            return accepted.isEmpty() ? null : command("DATA", Stage.DATA);
        }

        private boolean fits(byte[] command) {
            return window == 0 || window + command.length <= WINDOW;
        }

        private void put(byte[] command) throws IOException {
            if (lost != null) throw lost;
            out.write(command); // into the buffer: the window goes out in one write, in catchUp
            window += command.length;
        }

        private boolean caughtUp() {
            return !rsetDue && !mailDue && rcptsAnswered == rcptsSent;
        }

        /** Writes the window and reads every reply it is owed, in order. */
        private void catchUp() throws IOException {
            if (rsetDue) {
                // a kept connection: a failure before RSET is answered says nothing about this message
                requireReset(() -> {
                    flush(Stage.MAIL);
                    return readReply(Stage.RSET);
                });
                rsetDue = false;
            } else {
                flush(Stage.MAIL);
            }
            window = 0;
            if (mailDue) {
                mailDue = false;
                answerMail(readReply(Stage.MAIL));
            }
            while (rcptsAnswered < rcptsSent) {
                Reply r = readReply(Stage.RCPT);
                answerRcpt(rcptsAnswered++, r);
            }
        }

        private void answerMail(Reply mail) throws ProtocolException {
            expect2xx(mail, Stage.MAIL);
            if (mail.code() / 100 == 2) return;
            mailRefused = true;
            Outcome o = Outcome.of(mail);
            for (int k = 0; k < count; k++) given[position(k)] = o;
        }

        private void answerRcpt(int k, Reply r) throws ProtocolException {
            expect2xx(r, Stage.RCPT);
            if (mailRefused) return; // all refused already: these replies say nothing more
            int i = position(k);
            if (r.code() / 100 == 2) {
                accepted.add(i);
            } else if (isNoRoom(r) && !accepted.isEmpty()) {
                // not a verdict on the recipient: the server's limit per transaction is reached (RFC 5321 §4.5.3.1.10)
                if (noRoom == null) noRoom = r;
                keep(i);
            } else {
                given[i] = Outcome.of(r);
            }
        }

        /** The recipients from the k-th on were held back after the server said it had no room: they go with the others refused so. */
        private void keepFrom(int k) {
            for (; k < count; k++) keep(position(k));
        }

        private void keep(int i) {
            if (left == null) left = new ArrayList<>();
            left.add(i);
            // the server's word, as the verdict should no new transaction follow (552 read as 452, as the RFC asks)
            given[i] = Outcome.of(temporary(noRoom));
        }

        /**
         * The recipients the server had no room for, to send at once in a new transaction: only
         * after this one delivered (a refused message would be refused again, once per batch),
         * and on a connection still open. Otherwise they keep the server's 452 and wait.
         */
        private int[] nextBatch(boolean delivered) {
            if (left == null || !delivered || !isOpen()) return null;
            int[] next = new int[left.size()];
            for (int j = 0; j < next.length; j++) {
                next[j] = left.get(j);
                given[next[j]] = null; // undecided again, until the new transaction decides
            }
            return next;
        }
    }

    /** Bytes of pipelined commands written before their replies are read: RFC 2920 §3.2's usual TCP window, Postfix's too. */
    static final int WINDOW = 4096;

    private static final byte[] RSET = "RSET\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] DATA = "DATA\r\n".getBytes(StandardCharsets.US_ASCII);

    private static byte[] line(String command) {
        return (command + "\r\n").getBytes(StandardCharsets.UTF_8);
    }

    /**
     * RFC 5321 §4.5.3.1.10: the server's limit on recipients per transaction. The RFC's code is
     * 452, and a client should read RFC 821's 552 the same way; with an enhanced code, only
     * X.5.3 (RFC 3463: too many recipients) says so: a 452 4.2.2 is a full mailbox, a 552 5.3.4
     * a message too big. Only a refusal after an accepted recipient counts (a limit of none is no limit).
     */
    static boolean isNoRoom(Reply r) {
        if (r.code() != 452 && r.code() != 552) return false;
        return r.enhanced().isEmpty() || r.enhanced().endsWith(".5.3");
    }

    /** A 5xx that the RFC says to read as temporary, as its 4xx twin. */
    private static Reply temporary(Reply r) {
        if (!r.isPermanent()) return r;
        return new Reply(r.code() - 100, r.enhanced().isEmpty() ? "" : "4" + r.enhanced().substring(1), r.lines());
    }

    /** The reply to the final dot; once the data could not all be written, only a refusal can be one. */
    private Reply dotReply() throws IOException {
        Reply r = expect2xx(readReply(Stage.DOT), Stage.DOT);
        if (lost != null && r.code() / 100 == 2) {
            close();
            throw lost; // the server cannot have taken a message it did not get whole
        }
        return r;
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
     * Why this server cannot take the message, judged from the connection (TLS, for REQUIRETLS)
     * and what the server advertised (REQUIRETLS, SIZE, SMTPUTF8, 8BITMIME), or null when it can.
     * The reply is ours, not the server's.
     *
     * <p>RFC 8689 §4.2.1: a message sent with REQUIRETLS goes only over TLS, to a server that
     * offers REQUIRETLS in its EHLO after STARTTLS; failing either, the caller is to try the
     * domain's other MX hosts and, when none will do, return the message. A report (null
     * reverse-path) is exempt: §4.2.1 applies to messages "for which the MAIL FROM return-path
     * is not empty", and §5 says REQUIRETLS "SHOULD NOT cause a bounce message to be discarded".
     * Whether the TLS is verified, and the MX host authenticated, is the caller's policy, not
     * this connection's to know.
     */
    public Reply cannotTake(OutgoingMessage m) {
        Envelope e = m.envelope();
        if (e.requireTls() && !e.sender().isNull() && !lmtp) {
            if (tls.isEmpty())
                return new Reply(550, "5.7.10", "Encryption needed: the message requires TLS (RFC 8689 REQUIRETLS), "
                        + "and the connection to " + label + " is not encrypted");
            if (!offers("REQUIRETLS"))
                return new Reply(550, "5.7.30", "REQUIRETLS support required: " + label + " does not offer REQUIRETLS (RFC 8689)");
        }
        OptionalLong limit = sizeLimit();
        if (limit.isPresent() && m.size() > limit.getAsLong())
            return new Reply(552, "5.3.4", "Message too big for the remote server (" + m.size() + " > " + limit.getAsLong() + " bytes)");
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
        // RFC 8689 §2: only in a session under TLS with a server that offers it (cannotTake has
        // refused the others, but a report goes on without it: §5)
        if (e.requireTls() && !tls.isEmpty() && offers("REQUIRETLS")) sb.append(" REQUIRETLS");
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
     * dropped mid-data, so the server discards what it got. A failed write leaves the connection
     * {@link #lost}, for the reply to the dot to tell whether the server refused the message.
     */
    private void sendContent(OutgoingMessage.Content content) throws IOException {
        if (lost != null) throw lost;
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
            out.write(prev == '\r' && last == '\n' ? DOT : CRLF_DOT);
            out.flush();
        } catch (LocalContentFailure e) {
            throw e;
        } catch (IOException e) {
            if (guard.expired())
                throw new SocketTimeoutException("the server took no data for " + human(limit) + " while we sent " + Stage.CONTENT);
            // a server refusing the message as it comes (552 5.3.4) may stop reading, reply and hang up: the reply is read next
            lost = new IOException("connection lost while sending " + Stage.CONTENT + ": " + describe(e), e);
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

    private static final byte[] DOT = ".\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CRLF_DOT = "\r\n.\r\n".getBytes(StandardCharsets.US_ASCII);

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
        if (lost != null) throw lost;
        out.write(s.getBytes(StandardCharsets.UTF_8));
        flush(stage);
    }

    /**
     * Sends what is buffered. A failure other than a timeout does not throw: the server may have
     * said why before it hung up (a 421, a 5xx to what it read so far), so the connection is
     * {@link #lost} and the replies already there are read next; any later write throws.
     */
    private void flush(Stage stage) throws IOException {
        if (lost != null) throw lost;
        Duration limit = stage.timeout(settings);
        WriteWatchdog.Guard guard = WriteWatchdog.guard(this, limit); // a server that stopped reading
        try {
            out.flush();
        } catch (IOException e) {
            if (guard.expired()) {
                close();
                throw new SocketTimeoutException("the server took no command for " + human(limit) + " at " + stage);
            }
            lost = new IOException("connection lost while sending " + stage + ": " + describe(e), e);
        } finally {
            guard.close();
        }
    }

    /**
     * One whole reply within the stage's deadline; on any failure the connection is closed, for it
     * is out of step. Once a write has failed, only a reply already on its way is waited for
     * ({@link #AFTER_LOSS}), and without one the write's failure is the cause.
     */
    private Reply readReply(Stage stage) throws IOException {
        Duration limit = stage.timeout(settings);
        if (lost != null && AFTER_LOSS.compareTo(limit) < 0) limit = AFTER_LOSS;
        WriteWatchdog.Guard guard = WriteWatchdog.guard(this, limit);
        long start = System.nanoTime();
        try {
            return in.read(limit);
        } catch (IOException e) {
            close();
            if (lost != null) throw lost;
            if (guard.expired() || e instanceof SocketTimeoutException)
                throw new SocketTimeoutException("no complete reply to " + stage + " within " + human(limit));
            if (e instanceof ProtocolException) throw new ProtocolException(e.getMessage() + ", in reply to " + stage);
            if (e instanceof EOFException) throw new EOFException("the server closed the connection before replying to " + stage);
            throw new IOException("connection lost waiting for the reply to " + stage + ": " + describe(e), e);
        } finally {
            waited += System.nanoTime() - start;
            guard.close();
        }
    }

    /**
     * Our reply for recipients a broken conversation with {@code server} left unanswered, or for a
     * server that could not be used at all: all temporary, for the next server or the next attempt.
     */
    static Reply failure(String server, IOException e) {
        if (e instanceof LocalContentFailure) return unreadable(e);
        if (e instanceof ProtocolException) return new Reply(451, "4.5.0", "Protocol error with " + server + ": " + describe(e));
        return new Reply(421, "4.4.2", "Connection to " + server + " failed: " + describe(e));
    }

    /** Our reply when the queued message cannot be read: a local problem, for no other server to solve. */
    static Reply unreadable(IOException e) {
        return new Reply(451, "4.3.0", "Cannot read the queued message: " + describe(e));
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

    /** Messages sent on this connection so far. */
    public int messages() {
        return messages;
    }

    /** Runs {@code hook} once, when this connection closes, however it closes. */
    public synchronized void onClose(Runnable hook) {
        Runnable before = onClose;
        onClose = before == null ? hook : () -> {
            before.run();
            hook.run();
        };
    }

    public boolean isOpen() {
        if (lost != null) return false;
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
        Runnable hook;
        synchronized (this) {
            hook = onClose;
            onClose = null;
        }
        if (hook != null) hook.run();
    }
}
