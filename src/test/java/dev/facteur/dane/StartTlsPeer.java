package dev.facteur.dane;

import dev.facteur.testing.Loopback;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/**
 * A receiving MTA as far as DANE needs one: it greets, offers STARTTLS, and after the handshake
 * (with the certificate chain of its TLS context) answers EHLO and QUIT. On its own loopback
 * host, port of the system's choosing.
 */
final class StartTlsPeer implements AutoCloseable {

    private final ServerSocket server;
    private final SSLContext tls;
    private final List<String> handshakes = new CopyOnWriteArrayList<>();

    private StartTlsPeer(ServerSocket server, SSLContext tls) {
        this.server = server;
        this.tls = tls;
        Thread.ofVirtual().name("starttls-peer").start(this::acceptAll);
    }

    static StartTlsPeer start(SSLContext tls) throws IOException {
        return start(Loopback.host(), tls);
    }

    static StartTlsPeer start(String host, SSLContext tls) throws IOException {
        return new StartTlsPeer(new ServerSocket(0, 10, InetAddress.ofLiteral(host)), tls);
    }

    InetSocketAddress address() {
        return (InetSocketAddress) server.getLocalSocketAddress();
    }

    String host() {
        return address().getAddress().getHostAddress();
    }

    /** Each connection's handshake as the server saw it: "ok" or the exception it ended with. */
    List<String> handshakes() {
        return handshakes;
    }

    private void acceptAll() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                Thread.ofVirtual().start(() -> serve(s));
            } catch (IOException closed) {
                return;
            }
        }
    }

    private void serve(Socket plain) {
        try (plain) {
            InputStream in = plain.getInputStream();
            OutputStream out = plain.getOutputStream();
            send(out, "220 mx.dane.test ESMTP\r\n");
            readLine(in); // EHLO
            send(out, "250-mx.dane.test\r\n250 STARTTLS\r\n");
            if (!"STARTTLS".equalsIgnoreCase(readLine(in))) return;
            send(out, "220 2.0.0 Ready to start TLS\r\n");
            try (SSLSocket ssl = (SSLSocket) tls.getSocketFactory().createSocket(plain, null, false)) {
                ssl.setUseClientMode(false);
                try {
                    ssl.startHandshake();
                    handshakes.add("ok");
                } catch (IOException e) {
                    handshakes.add(e.toString());
                    return;
                }
                InputStream tin = ssl.getInputStream();
                OutputStream tout = ssl.getOutputStream();
                for (String line; (line = readLine(tin)) != null; ) {
                    if (line.toUpperCase().startsWith("QUIT")) {
                        send(tout, "221 2.0.0 Bye\r\n");
                        return;
                    }
                    send(tout, "250 mx.dane.test\r\n");
                }
            }
        } catch (IOException e) {
            // the client went away: its side of the test says why
        }
    }

    private static void send(OutputStream out, String s) throws IOException {
        out.write(s.getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    /** One line, read a byte at a time so that nothing of the TLS handshake after it is taken. */
    private static String readLine(InputStream in) throws IOException {
        var line = new ByteArrayOutputStream();
        for (int b; (b = in.read()) != '\n'; ) {
            if (b < 0) return null;
            if (b != '\r') line.write(b);
        }
        return line.toString(StandardCharsets.US_ASCII);
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
