package dev.facteur.testing;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * An SMTP (or LMTP) client that writes exactly the bytes it is given and reads replies line by
 * line, so tests can send what no well-behaved client library would. Reads wait at most
 * {@link Patience#EVENT}.
 */
public final class WireClient implements AutoCloseable {

    private static final int TIMEOUT = (int) Patience.EVENT.toMillis();

    private Socket socket;
    private InputStream in;
    private OutputStream out;

    private WireClient(Socket socket) throws IOException {
        this.socket = socket;
        socket.setTcpNoDelay(true);
        socket.setSoTimeout(TIMEOUT);
        this.in = new BufferedInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
    }

    /** Connects and returns the client; the greeting is still to be read. */
    public static WireClient connect(InetSocketAddress server) throws IOException {
        Socket s = new Socket();
        try {
            s.connect(server, TIMEOUT);
            return new WireClient(s);
        } catch (IOException e) {
            s.close();
            throw e;
        }
    }

    /** Connects from a given local address (another 127.0.0.x stands for another host). */
    public static WireClient connectFrom(InetSocketAddress server, String sourceAddress) throws IOException {
        Socket s = new Socket();
        try {
            s.bind(new InetSocketAddress(sourceAddress, 0));
            s.connect(server, TIMEOUT);
            return new WireClient(s);
        } catch (IOException e) {
            s.close();
            throw e;
        }
    }

    /** Connects, reads the 220 greeting and says EHLO; fails unless both are positive. */
    public static WireClient ready(InetSocketAddress server, String helo) throws IOException {
        WireClient c = connect(server);
        try {
            c.expect(220, c.read());
            c.expect(250, c.command("EHLO " + helo));
            return c;
        } catch (IOException | RuntimeException e) {
            c.close();
            throw e;
        }
    }

    public void send(String s) throws IOException {
        send(s.getBytes(StandardCharsets.UTF_8));
    }

    public void send(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /** Sends one command line (CRLF added) and reads its reply. */
    public WireReply command(String line) throws IOException {
        send(line + "\r\n");
        return read();
    }

    /** Reads one complete reply, following "250-" continuation lines up to the "250 " line. */
    public WireReply read() throws IOException {
        List<String> lines = new ArrayList<>();
        while (true) {
            String line = readLine();
            if (line == null) throw new EOFException("connection closed while waiting for a reply; had " + lines);
            if (line.length() < 3) throw new IOException("malformed reply line: " + line);
            int code = Integer.parseInt(line.substring(0, 3));
            lines.add(line.length() > 4 ? line.substring(4) : "");
            if (line.length() == 3 || line.charAt(3) == ' ') return new WireReply(code, lines);
            if (line.charAt(3) != '-') throw new IOException("malformed reply line: " + line);
        }
    }

    /** Everything the server still sends until it closes the connection. */
    public String readToEnd() throws IOException {
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }

    /**
     * Everything the server still sends until the connection ends. A server that hangs up on input
     * it has not read makes the kernel answer with a reset, which ends the connection just as well.
     */
    public String readUntilClosed() throws IOException {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        try {
            in.transferTo(got);
        } catch (SocketException e) {
            if (!String.valueOf(e.getMessage()).contains("reset")) throw e;
        }
        return got.toString(StandardCharsets.UTF_8);
    }

    private String readLine() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) >= 0) {
            if (b == '\n') {
                byte[] bytes = line.toByteArray();
                int len = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
                return new String(bytes, 0, len, StandardCharsets.UTF_8);
            }
            line.write(b);
        }
        return null;
    }

    /**
     * Runs the TLS handshake over the existing connection (after a 220 to STARTTLS), trusting
     * any certificate: these tests check the protocol, not the PKI.
     */
    public void startTls(String serverName) throws IOException {
        SSLSocket tls = (SSLSocket) trustAll().getSocketFactory()
                .createSocket(socket, serverName, socket.getPort(), true);
        tls.setUseClientMode(true);
        tls.setSoTimeout(TIMEOUT);
        tls.startHandshake();
        socket = tls;
        in = new BufferedInputStream(tls.getInputStream());
        out = tls.getOutputStream();
    }

    /** The certificate the server presented, or null on a plain connection. */
    public java.security.cert.X509Certificate peerCertificate() throws IOException {
        if (!(socket instanceof SSLSocket s)) return null;
        return (java.security.cert.X509Certificate) s.getSession().getPeerCertificates()[0];
    }

    /** The negotiated protocol, e.g. "TLSv1.3", or null on a plain connection. */
    public String tlsProtocol() {
        return socket instanceof SSLSocket s ? s.getSession().getProtocol() : null;
    }

    public WireReply expect(int code, WireReply r) {
        if (r.code() != code) throw new AssertionError("expected " + code + " but the server said " + r);
        return r;
    }

    /**
     * The final line of the next reply as it was sent, code included ({@code "250 2.0.0 OK"}),
     * or null when the server closed the connection instead.
     */
    public String reply() throws IOException {
        String line;
        do {
            line = readLine();
            if (line == null) return null;
        } while (line.length() > 3 && line.charAt(3) == '-');
        return line;
    }

    /** Sends one command line (CRLF added) and returns the final line of its reply, as {@link #reply()}. */
    public String ask(String line) throws IOException {
        send(line + "\r\n");
        return reply();
    }

    /**
     * Hands one message to the server exactly as written — MAIL and RCPT arguments with their
     * ESMTP parameters — and returns the queue id of the 250 reply. Any refusal fails the test.
     *
     * @param mailArgs what follows {@code MAIL FROM:}, e.g. {@code <a@sender.test> RET=HDRS}
     * @param rcptArgs what follows each {@code RCPT TO:}, e.g. {@code <b@x.test> NOTIFY=NEVER}
     * @param content  the message with CRLF line ends and no line starting with a dot
     */
    public static String submit(InetSocketAddress server, String mailArgs, List<String> rcptArgs, byte[] content) throws IOException {
        try (WireClient c = ready(server, "client.sender.test")) {
            c.expect(250, c.command("MAIL FROM:" + mailArgs));
            for (String r : rcptArgs) c.expect(250, c.command("RCPT TO:" + r));
            c.expect(354, c.command("DATA"));
            byte[] wire = Arrays.copyOf(content, content.length + 3);
            System.arraycopy(END_OF_DATA, 0, wire, content.length, 3);
            c.send(wire);
            WireReply queued = c.expect(250, c.read());
            c.expect(221, c.command("QUIT"));
            String id = queued.queueId();
            if (id == null) throw new AssertionError("no queue id in the reply to DATA: " + queued);
            return id;
        }
    }

    private static final byte[] END_OF_DATA = ".\r\n".getBytes(StandardCharsets.US_ASCII);

    private static SSLContext trustAll() throws IOException {
        TrustManager any = new X509TrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) {}

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) {}

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        };
        try {
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, new TrustManager[] {any}, null);
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new IOException(e);
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
