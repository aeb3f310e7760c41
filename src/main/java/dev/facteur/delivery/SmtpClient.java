package dev.facteur.delivery;

import dev.facteur.io.ByteScan;
import dev.facteur.message.Body;
import dev.facteur.message.Envelope;
import dev.facteur.message.Mailbox;
import dev.facteur.message.Recipient;
import dev.facteur.smtp.Reply;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ProtocolException;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import javax.net.ssl.SSLSocket;

/**
 * One SMTP client connection (RFC 5321 §3, §4). Opens, greets, says EHLO (HELO if refused),
 * upgrades with STARTTLS when offered, then sends messages and returns one {@link Outcome} per
 * recipient. Network trouble surfaces as an {@link IOException}: the caller defers whatever was
 * not yet acknowledged, so a message is never counted delivered without the server's 250.
 */
public final class SmtpClient implements Closeable {

    private final ClientSettings settings;
    private final String peerName;
    private final boolean lmtp;
    private Socket socket;        // TCP; null over a unix socket
    private SocketChannel unix;   // a unix socket (LMTP to a local server); null over TCP
    private ReplyReader in;
    private OutputStream out;
    private final Reply greeting;
    private final Map<String, String> extensions = new HashMap<>();
    private boolean esmtp;
    private String tls = "";
    private byte[] copyBuffer;
    /** A transaction has happened since the last RSET. */
    private boolean used;

    private SmtpClient(Socket socket, String peerName, ClientSettings settings, boolean lmtp) throws IOException {
        this.settings = settings;
        this.peerName = peerName;
        this.lmtp = lmtp;
        attach(socket);
        this.greeting = readReply(settings.greetingTimeout());
    }

    private SmtpClient(SocketChannel unix, String peerName, ClientSettings settings) throws IOException {
        this.settings = settings;
        this.peerName = peerName;
        this.lmtp = true;
        this.unix = unix;
        in = new ReplyReader(new BufferedInputStream(Channels.newInputStream(unix), 8192));
        out = new BufferedOutputStream(Channels.newOutputStream(unix), 64 * 1024);
        this.greeting = readReply(settings.greetingTimeout());
    }

    /** LMTP over a unix socket (Dovecot's {@code /var/run/dovecot/lmtp}, say). */
    public static SmtpClient connectLmtp(Path socketPath, ClientSettings settings) throws IOException {
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            ch.connect(UnixDomainSocketAddress.of(socketPath));
            return new SmtpClient(ch, "localhost", settings);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /** Connects and reads the greeting; a greeting other than 220 is returned, not thrown. */
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
        in = new ReplyReader(new BufferedInputStream(s.getInputStream(), 8192));
        out = new BufferedOutputStream(s.getOutputStream(), 64 * 1024);
    }

    public Reply greeting() {
        return greeting;
    }

    /** e.g. "TLSv1.3 with cipher TLS_AES_256_GCM_SHA384", or empty without TLS. */
    public String tls() {
        return tls;
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

    /**
     * EHLO, or HELO when EHLO is refused; then STARTTLS when offered and TLS is enabled, and EHLO
     * again over TLS (RFC 3207 §4.2). Returns the final reply; a non-2xx means the server will
     * not talk to us.
     */
    public Reply hello() throws IOException {
        Reply r = ehlo();
        if (lmtp) return r; // LMTP has no HELO, and its servers are ours: no STARTTLS
        if (!r.isPositive()) {
            r = command("HELO " + settings.heloName(), settings.commandTimeout());
            esmtp = false;
            return r;
        }
        if (settings.tls() != null && offers("STARTTLS")) {
            Reply t = command("STARTTLS", settings.commandTimeout());
            if (t.code() == 220) {
                startTls();
                r = ehlo();
            }
        }
        return r;
    }

    private Reply ehlo() throws IOException {
        Reply r = command((lmtp ? "LHLO " : "EHLO ") + settings.heloName(), settings.commandTimeout());
        extensions.clear();
        if (r.isPositive()) {
            esmtp = true;
            for (String line : r.lines().subList(1, r.lines().size())) {
                String[] kv = line.strip().split(" ", 2);
                extensions.put(kv[0].toUpperCase(Locale.ROOT), kv.length > 1 ? kv[1] : "");
            }
        }
        return r;
    }

    private void startTls() throws IOException {
        SSLSocket ssl = (SSLSocket) settings.tls().getSocketFactory()
                .createSocket(socket, peerName, socket.getPort(), true);
        ssl.setUseClientMode(true);
        ssl.setEnabledProtocols(new String[] {"TLSv1.3", "TLSv1.2"});
        var params = ssl.getSSLParameters();
        if (!peerName.isEmpty() && Character.isLetter(peerName.charAt(peerName.length() - 1)))
            params.setServerNames(List.of(new javax.net.ssl.SNIHostName(peerName))); // RFC 6066 SNI, names only
        if (settings.verifyPeer()) params.setEndpointIdentificationAlgorithm("HTTPS"); // RFC 6125 name check
        ssl.setSSLParameters(params);
        ssl.setSoTimeout((int) settings.commandTimeout().toMillis());
        ssl.startHandshake();
        attach(ssl);
        tls = ssl.getSession().getProtocol() + " with cipher " + ssl.getSession().getCipherSuite();
    }

    /**
     * Sends one message. The list holds one outcome per recipient of {@code m}, in order.
     * Throws when the connection fails before the server has answered the final dot.
     */
    public List<Outcome> send(OutgoingMessage m) throws IOException {
        Envelope e = m.envelope();
        List<Recipient> rcpts = m.recipients();
        Reply refusal = cannotTake(m);
        if (refusal != null) return all(rcpts, Outcome.of(refusal));

        List<String> commands = new ArrayList<>(rcpts.size() + 2);
        commands.add(mailCommand(m));
        for (Recipient r : rcpts) commands.add(rcptCommand(r, e));
        boolean pipelining = offers("PIPELINING");

        Reply mail;
        List<Reply> rcptReplies = new ArrayList<>(rcpts.size());
        Reply data;
        boolean resetFirst = used; // RSET between messages on one connection
        if (pipelining) {
            // RFC 2920: [RSET,] MAIL, every RCPT and DATA go out in one write; replies come back in order.
            StringBuilder batch = new StringBuilder();
            if (resetFirst) batch.append("RSET\r\n");
            for (String c : commands) batch.append(c).append("\r\n");
            batch.append("DATA\r\n");
            write(batch.toString());
            if (resetFirst) requireReset(readReply(settings.commandTimeout()));
            mail = readReply(settings.commandTimeout());
            for (int i = 0; i < rcpts.size(); i++) rcptReplies.add(readReply(settings.commandTimeout()));
            data = readReply(settings.dataInitTimeout());
        } else {
            if (resetFirst) requireReset(command("RSET", settings.commandTimeout()));
            mail = command(commands.getFirst(), settings.commandTimeout());
            if (!mail.isPositive()) {
                rset();
                return all(rcpts, Outcome.of(mail));
            }
            for (int i = 0; i < rcpts.size(); i++) rcptReplies.add(command(commands.get(i + 1), settings.commandTimeout()));
            data = rcptReplies.stream().anyMatch(Reply::isPositive)
                    ? command("DATA", settings.dataInitTimeout())
                    : null;
        }
        if (!mail.isPositive()) {
            if (data != null && data.code() == 354) finishEmptyData();
            rset();
            return all(rcpts, Outcome.of(mail));
        }
        boolean anyAccepted = rcptReplies.stream().anyMatch(Reply::isPositive);
        Reply end;
        if (data == null || data.code() != 354) {
            end = data;
        } else if (!anyAccepted) {
            finishEmptyData(); // RFC 2920 §3.1: the server said 354 with no recipient; end it at once
            end = null;
        } else {
            sendContent(m.content());
            if (lmtp) return lmtpOutcomes(rcptReplies); // RFC 2033 §4.2: one reply per accepted recipient
            end = readReply(settings.dataEndTimeout());
        }
        used = true;
        if (end == null || !end.isPositive()) rset();
        List<Outcome> outcomes = new ArrayList<>(rcpts.size());
        for (Reply rr : rcptReplies) outcomes.add(!rr.isPositive() || end == null ? Outcome.of(rr) : Outcome.of(end));
        return outcomes;
    }

    /**
     * RFC 2033 §4.2: each reply after the data is final for its recipient. If the connection
     * fails half-way, the recipients already answered keep their answer (a 250 is a delivery:
     * trying it again would deliver twice); only the others are deferred.
     */
    private List<Outcome> lmtpOutcomes(List<Reply> rcptReplies) {
        List<Outcome> outcomes = new ArrayList<>(rcptReplies.size());
        String lost = null;
        for (Reply rr : rcptReplies) {
            if (!rr.isPositive()) {
                outcomes.add(Outcome.of(rr));
            } else if (lost != null) {
                outcomes.add(Outcome.of(new Reply(451, "4.4.2", lost)));
            } else {
                try {
                    outcomes.add(Outcome.of(readReply(settings.dataEndTimeout())));
                } catch (IOException e) {
                    close();
                    lost = "Connection lost before the LMTP server answered for this recipient: " + e;
                    outcomes.add(Outcome.of(new Reply(451, "4.4.2", lost)));
                }
            }
        }
        used = true;
        return outcomes;
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
        java.util.Base64.Encoder b64 = java.util.Base64.getEncoder();
        if (mechanisms.contains("PLAIN")) {
            String token = b64.encodeToString(("\0" + username + "\0" + password).getBytes(StandardCharsets.UTF_8));
            return command("AUTH PLAIN " + token, settings.commandTimeout());
        }
        Reply r = command("AUTH LOGIN", settings.commandTimeout());
        if (r.code() != 334) return r;
        r = command(b64.encodeToString(username.getBytes(StandardCharsets.UTF_8)), settings.commandTimeout());
        if (r.code() != 334) return r;
        return command(b64.encodeToString(password.getBytes(StandardCharsets.UTF_8)), settings.commandTimeout());
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

    private String mailCommand(OutgoingMessage m) {
        Envelope e = m.envelope();
        StringBuilder sb = new StringBuilder("MAIL FROM:<").append(e.sender()).append('>');
        if (!esmtp) return sb.toString();
        if (offers("SIZE")) sb.append(" SIZE=").append(m.size());
        if (e.body() == Body.EIGHT_BIT_MIME && offers("8BITMIME")) sb.append(" BODY=8BITMIME");
        if (needsUtf8(m) || (e.smtpUtf8() && offers("SMTPUTF8"))) sb.append(" SMTPUTF8");
        if (!lmtp && offers("DSN")) {
            if (e.ret() != null) sb.append(" RET=").append(e.ret());
            if (e.envid() != null) sb.append(" ENVID=").append(e.envid());
        }
        return sb.toString();
    }

    private String rcptCommand(Recipient r, Envelope e) {
        StringBuilder sb = new StringBuilder("RCPT TO:<").append(r.address()).append('>');
        // an LMTP server delivers: we report delivery ourselves, so it gets no DSN duties
        if (esmtp && !lmtp && offers("DSN")) {
            String notify = r.dsnNotify().toParameter();
            if (notify != null) sb.append(" NOTIFY=").append(notify);
            if (r.orcpt() != null) sb.append(" ORCPT=").append(r.orcpt());
        }
        return sb.toString();
    }

    /**
     * Writes the content with dot-stuffing (RFC 5321 §4.5.2), makes sure it ends with CRLF, and
     * sends the final dot in the same write as the last bytes (no lone "." packet waiting on a
     * delayed ACK).
     */
    private void sendContent(OutgoingMessage.Content content) throws IOException {
        if (socket != null) socket.setSoTimeout((int) settings.dataBlockTimeout().toMillis());
        WriteWatchdog.Guard guard = WriteWatchdog.guard(this, settings.dataBlockTimeout());
        try (InputStream body = content.open()) {
            if (copyBuffer == null) copyBuffer = new byte[32 * 1024];
            byte[] buf = copyBuffer;
            boolean atLineStart = true;
            int last = '\n';
            int prev = '\r';
            for (int n; (n = body.read(buf)) > 0; ) {
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
        } finally {
            guard.close();
        }
    }

    /** Index of the first byte after an LF at or after {@code from} (n when none). */
    private static int lineStartAfter(byte[] b, int from, int n) {
        int lf = ByteScan.indexOf(b, from, n, (byte) '\n');
        return lf == n ? n : lf + 1;
    }

    private void finishEmptyData() throws IOException {
        write(".\r\n");
        readReply(settings.dataEndTimeout());
    }

    /** RSET after a failed transaction, so the connection can be used again (RFC 5321 §4.1.1.5). */
    public boolean rset() throws IOException {
        boolean ok = command("RSET", settings.commandTimeout()).isPositive();
        if (ok) used = false;
        return ok;
    }

    /** A kept connection that will not reset is not trusted with the message: close, and let the caller start afresh. */
    private void requireReset(Reply r) throws IOException {
        if (r.isPositive()) return;
        close();
        throw new java.net.ProtocolException("RSET refused on a reused connection: " + r);
    }

    /** Says QUIT and closes; a server that does not answer is not waited for long. */
    public void quit() {
        try {
            write("QUIT\r\n");
            readReply(Duration.ofSeconds(5));
        } catch (IOException ignored) {
            // closing anyway
        } finally {
            close();
        }
    }

    private Reply command(String line, Duration timeout) throws IOException {
        write(line + "\r\n");
        return readReply(timeout);
    }

    private void write(String s) throws IOException {
        out.write(s.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private Reply readReply(Duration timeout) throws IOException {
        // A channel has no read timeout: the watchdog closes it if the reply does not come in time.
        WriteWatchdog.Guard guard = socket == null ? WriteWatchdog.guard(this, timeout) : null;
        if (socket != null) socket.setSoTimeout((int) timeout.toMillis());
        try {
            return in.read();
        } catch (ProtocolException e) {
            close();
            throw e;
        } finally {
            if (guard != null) guard.close();
        }
    }

    private static List<Outcome> all(List<Recipient> rcpts, Outcome o) {
        List<Outcome> out = new ArrayList<>(rcpts.size());
        for (int i = 0; i < rcpts.size(); i++) out.add(o);
        return out;
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
