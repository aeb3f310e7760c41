package dev.facteur.testing;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/**
 * An SMTP server that misbehaves on purpose, for what no real MTA does (250 to DATA, a reply
 * trickled a byte at a time, a reply without end, garbage where a TLS handshake should be). It
 * listens on a loopback address (or a unix socket); each connection follows a {@link Script}, the
 * n-th connection the n-th script (the last one for all later connections), and every line it
 * receives is kept.
 */
public final class ScriptedPeer implements AutoCloseable {

    /** What the server does on one connection. */
    @FunctionalInterface
    public interface Script {
        void run(Session s) throws Exception;
    }

    /**
     * The reply to one command line (or to {@code "CONNECT"}, the greeting, and {@code "."}, the
     * end of the data): the raw text to send, CRLFs included; {@link #USUAL} for what a plain
     * server says; {@link #HANG_UP} to close at once; text ending in {@link #HANG_UP} to say it
     * and then close.
     */
    @FunctionalInterface
    public interface Answers {
        String to(String command) throws Exception;
    }

    public static final String USUAL = "\0usual";
    public static final String HANG_UP = "\0hang-up";

    private final ServerSocket server;            // TCP; null on a unix socket
    private final ServerSocketChannel unixServer; // a unix socket; null over TCP
    private final int socketBuffer;               // 0: the system's
    private final List<Script> scripts;
    private final List<List<String>> transcripts = new CopyOnWriteArrayList<>();
    private final List<Closeable> open = new CopyOnWriteArrayList<>();

    private ScriptedPeer(ServerSocket server, ServerSocketChannel unixServer, int socketBuffer, List<Script> scripts) throws IOException {
        this.server = server;
        this.unixServer = unixServer;
        this.socketBuffer = socketBuffer;
        this.scripts = scripts;
        Object where = server != null ? server.getLocalSocketAddress() : unixServer.getLocalAddress();
        Thread.ofVirtual().name("scripted-peer-" + where).start(this::acceptAll);
    }

    /** A peer on {@code host}, on a port of the system's choosing. */
    public static ScriptedPeer start(String host, Script... scripts) throws IOException {
        return start(host, 0, scripts);
    }

    public static ScriptedPeer start(String host, int port, Script... scripts) throws IOException {
        return start(host, port, 0, scripts);
    }

    /**
     * A peer with socket buffers of about {@code bytes} each way (the system rounds them), which
     * reads no byte before it needs it: as a server on a long network path that answers each
     * command before it reads the next. (Loopback's own buffers grow to megabytes.)
     */
    public static ScriptedPeer startCramped(String host, int bytes, Script... scripts) throws IOException {
        if (bytes <= 0) throw new IllegalArgumentException("buffer size " + bytes);
        return start(host, 0, bytes, scripts);
    }

    private static ScriptedPeer start(String host, int port, int socketBuffer, Script... scripts) throws IOException {
        if (scripts.length == 0) throw new IllegalArgumentException("no script");
        ServerSocket ss = new ServerSocket();
        ss.setReuseAddress(true);
        if (socketBuffer > 0) ss.setReceiveBufferSize(socketBuffer); // before bind: accepted sockets inherit it
        ss.bind(new InetSocketAddress(InetAddress.getByName(host), port), 16);
        return new ScriptedPeer(ss, null, socketBuffer, List.of(scripts));
    }

    /** A peer on a unix socket at {@code path} (LMTP, as Dovecot offers it). */
    public static ScriptedPeer startUnix(Path path, Script... scripts) throws IOException {
        if (scripts.length == 0) throw new IllegalArgumentException("no script");
        ServerSocketChannel ch = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        ch.bind(UnixDomainSocketAddress.of(path));
        return new ScriptedPeer(null, ch, 0, List.of(scripts));
    }

    /** The script of a server that answers as {@code answers} says: greeting, then command after command. */
    public static Script smtp(Answers answers) {
        return s -> {
            if (!s.answer(answers, "CONNECT")) return;
            s.serve(answers);
        };
    }

    /**
     * As {@link #smtp(Answers)}, and a 2xx to STARTTLS is followed by the handshake, as a server
     * with {@code tls}'s certificate; the answers go on under TLS ({@link Session#secured}).
     */
    public static Script smtp(SSLContext tls, Answers answers) {
        return s -> {
            s.tls = tls;
            if (!s.answer(answers, "CONNECT")) return;
            s.serve(answers);
        };
    }

    /** A plain, well-behaved server with these EHLO keywords. */
    public static Script wellBehaved(String... keywords) {
        return smtp(usualEhlo(keywords));
    }

    /** The usual answers, with an EHLO listing {@code keywords}. */
    public static Answers usualEhlo(String... keywords) {
        return command -> command.toUpperCase(Locale.ROOT).startsWith("EHLO") ? ehlo(keywords) : USUAL;
    }

    /** A 250 EHLO reply listing {@code keywords}. */
    public static String ehlo(String... keywords) {
        StringBuilder sb = new StringBuilder("250");
        sb.append(keywords.length == 0 ? " " : "-").append("peer.test\r\n");
        for (int i = 0; i < keywords.length; i++) sb.append("250").append(i == keywords.length - 1 ? ' ' : '-').append(keywords[i]).append("\r\n");
        return sb.toString();
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) server.getLocalSocketAddress();
    }

    public String host() {
        return address().getAddress().getHostAddress();
    }

    public int port() {
        return server.getLocalPort();
    }

    /** How many connections have been made so far. */
    public int connections() {
        return transcripts.size();
    }

    /** The lines received on the n-th connection (from 0), commands and message content alike. */
    public List<String> transcript(int connection) {
        return List.copyOf(transcripts.get(connection));
    }

    /** Every line received, over all connections. */
    public List<String> lines() {
        List<String> all = new ArrayList<>();
        transcripts.forEach(all::addAll);
        return all;
    }

    private void acceptAll() {
        while (true) {
            Closeable connection;
            List<String> lines = new CopyOnWriteArrayList<>();
            Session session;
            try {
                if (server != null) {
                    Socket s = server.accept();
                    connection = s;
                    if (socketBuffer > 0) s.setSendBufferSize(socketBuffer);
                    InputStream in = socketBuffer > 0 ? s.getInputStream() : new BufferedInputStream(s.getInputStream());
                    session = new Session(s, s, in, s.getOutputStream(), lines);
                } else {
                    SocketChannel ch = unixServer.accept();
                    connection = ch;
                    session = new Session(null, ch, new BufferedInputStream(Channels.newInputStream(ch)), Channels.newOutputStream(ch), lines);
                }
            } catch (IOException e) {
                return; // closed
            }
            int n = transcripts.size();
            transcripts.add(lines);
            open.add(connection);
            Script script = scripts.get(Math.min(n, scripts.size() - 1));
            Thread.ofVirtual().name("scripted-peer-connection-" + n).start(() -> {
                try (connection) {
                    script.run(session);
                } catch (Exception ignored) {
                    // the client hung up, or the script ended the way it meant to
                }
            });
        }
    }

    @Override
    public void close() throws IOException {
        if (server != null) server.close();
        else unixServer.close();
        for (Closeable c : open) c.close();
    }

    /** One connection as the script sees it. */
    public static final class Session {
        private Socket socket;
        private final Closeable connection;
        private InputStream in;
        private OutputStream out;
        private final List<String> lines;
        /** The context to answer STARTTLS with; null: no handshake follows a 2xx to it. */
        private SSLContext tls;
        private boolean secured;

        Session(Socket socket, Closeable connection, InputStream in, OutputStream out, List<String> lines) {
            this.socket = socket;
            this.connection = connection;
            this.in = in;
            this.out = out;
            this.lines = lines;
        }

        /** The TCP socket; null on a unix socket. */
        public Socket socket() {
            return socket;
        }

        public void send(String raw) throws IOException {
            out.write(raw.getBytes(StandardCharsets.UTF_8));
            out.flush();
        }

        /** Sends {@code raw} a byte at a time, {@code gap} apart: a peer that is slow on purpose. */
        public void trickle(String raw, Duration gap) throws IOException, InterruptedException {
            for (byte b : raw.getBytes(StandardCharsets.UTF_8)) {
                out.write(b);
                out.flush();
                Thread.sleep(gap);
            }
        }

        /** The next line without its CRLF, kept in the transcript; null when the client has closed. */
        public String readLine() throws IOException {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            for (int b; (b = in.read()) != '\n'; ) {
                if (b < 0) return null;
                line.write(b);
            }
            String s = line.toString(StandardCharsets.UTF_8);
            if (s.endsWith("\r")) s = s.substring(0, s.length() - 1);
            lines.add(s);
            return s;
        }

        public void hangUp() throws IOException {
            connection.close();
        }

        /** Whether the connection is under TLS now. */
        public boolean secured() {
            return secured;
        }

        /** The server's side of the TLS handshake, after its 2xx to STARTTLS; what the client said before it is forgotten. */
        private void startTls() throws IOException {
            SSLSocket ssl = (SSLSocket) tls.getSocketFactory().createSocket(socket, null, socket.getPort(), false);
            ssl.setUseClientMode(false);
            ssl.startHandshake();
            socket = ssl;
            in = new BufferedInputStream(ssl.getInputStream());
            out = ssl.getOutputStream();
            secured = true;
        }

        /** Answers commands until QUIT, a hang-up or the client's close. */
        public void serve(Answers answers) throws Exception {
            for (String command; (command = readLine()) != null; ) {
                if (!answer(answers, command)) return;
                String verb = command.toUpperCase(Locale.ROOT);
                if (verb.startsWith("QUIT")) return;
                if (verb.equals("STARTTLS") && tls != null && !secured && lastReply.startsWith("2")) startTls();
                if (verb.equals("DATA") && lastReply.startsWith("354")) {
                    for (String line; (line = readLine()) != null && !line.equals("."); ) {
                        // content, kept in the transcript
                    }
                    if (!answer(answers, ".")) return;
                }
            }
        }

        private String lastReply = "";

        /** Sends the answer to {@code command}; false when the connection is to end. */
        boolean answer(Answers answers, String command) throws Exception {
            String a = answers.to(command);
            if (a == null || a.equals(USUAL)) a = usual(command);
            boolean hangUp = a.endsWith(HANG_UP);
            if (hangUp) a = a.substring(0, a.length() - HANG_UP.length());
            lastReply = a;
            if (!a.isEmpty()) send(a);
            if (hangUp) hangUp();
            return !hangUp;
        }

        private static String usual(String command) {
            String verb = command.split(" ", 2)[0].toUpperCase(Locale.ROOT);
            return switch (verb) {
                case "CONNECT" -> "220 peer.test ESMTP\r\n";
                case "EHLO" -> ehlo("PIPELINING", "8BITMIME", "DSN");
                case "HELO" -> "250 peer.test\r\n";
                case "DATA" -> "354 End data with <CR><LF>.<CR><LF>\r\n";
                case "." -> "250 2.0.0 Ok: queued\r\n";
                case "QUIT" -> "221 2.0.0 Bye\r\n";
                case "MAIL", "RCPT", "RSET", "NOOP" -> "250 2.0.0 Ok\r\n";
                default -> "502 5.5.2 Command not recognized\r\n";
            };
        }
    }
}
