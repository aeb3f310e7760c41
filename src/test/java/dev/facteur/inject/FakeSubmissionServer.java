package dev.facteur.inject;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * A local submission server for unit tests, on a unix socket in the test's folder: it speaks
 * enough SMTP for {@link LocalSubmission}, answers as the test says, and records what it was
 * sent. The real one is Facteur's ({@code SmtpServer.startLocal}); the integration tests use it.
 */
public final class FakeSubmissionServer implements AutoCloseable {

    /** A transaction the server queued: the MAIL command's arguments, the recipients it accepted, the content (dots unstuffed). */
    public record Transaction(String queueId, String mail, List<String> recipients, byte[] content) {
        public String text() {
            return new String(content, StandardCharsets.UTF_8);
        }
    }

    private final ServerSocketChannel server;
    private final Path socket;
    private final List<Transaction> transactions = new CopyOnWriteArrayList<>();
    private final List<String> commands = new CopyOnWriteArrayList<>();
    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicInteger ids = new AtomicInteger();

    /** What it answers; each a whole reply line (or lines, with CRLF between). */
    public volatile String greeting = "220 fake.test ESMTP";
    public volatile Function<String, String> mail = from -> "250 2.1.0 Ok";
    public volatile Function<String, String> rcpt = to -> "250 2.1.5 Ok";
    /** RFC 5321 §4.5.3.1.8: more recipients than this in one transaction get 452. */
    public volatile int maxRecipients = Integer.MAX_VALUE;
    /** True: it accepts connections and never says a word (a hung server). */
    public volatile boolean silent;
    /** The reply to the end of DATA; null: queued, with a new id. */
    public volatile Function<byte[], String> endOfData = content -> null;

    private FakeSubmissionServer(ServerSocketChannel server, Path socket) {
        this.server = server;
        this.socket = socket;
    }

    public static FakeSubmissionServer start(Path socket) throws IOException {
        Files.deleteIfExists(socket);
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        var fake = new FakeSubmissionServer(server, socket);
        Thread.ofVirtual().start(fake::accept);
        return fake;
    }

    public Path socket() {
        return socket;
    }

    public List<Transaction> transactions() {
        return List.copyOf(transactions);
    }

    public List<String> commands() {
        return List.copyOf(commands);
    }

    public int connections() {
        return connections.get();
    }

    private void accept() {
        while (server.isOpen()) {
            try {
                SocketChannel ch = server.accept();
                connections.incrementAndGet();
                Thread.ofVirtual().start(() -> serve(ch));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(SocketChannel ch) {
        try (ch) {
            InputStream in = new BufferedInputStream(Channels.newInputStream(ch));
            OutputStream out = Channels.newOutputStream(ch);
            if (silent) {
                while (in.read() >= 0) {
                    // listening, never answering
                }
                return;
            }
            say(out, greeting);
            if (!greeting.startsWith("220")) return;
            String from = null;
            List<String> to = new ArrayList<>();
            for (String line; (line = line(in)) != null; ) {
                commands.add(line);
                String upper = line.toUpperCase();
                if (upper.startsWith("EHLO")) {
                    say(out, "250-fake.test\r\n250-SIZE 1000000\r\n250-8BITMIME\r\n250 SMTPUTF8");
                } else if (upper.startsWith("MAIL FROM:")) {
                    String r = mail.apply(line.substring(10));
                    if (r.startsWith("250")) from = line.substring(10);
                    say(out, r);
                } else if (upper.startsWith("RCPT TO:")) {
                    String address = line.substring(8).replaceAll("^<|>$", "");
                    String r = to.size() >= maxRecipients ? "452 4.5.3 Too many recipients" : rcpt.apply(address);
                    if (r.startsWith("250")) to.add(address);
                    say(out, r);
                } else if (upper.equals("DATA")) {
                    say(out, "354 go ahead");
                    byte[] content = content(in);
                    String r = endOfData.apply(content);
                    if (r == null) {
                        String id = "Q" + ids.incrementAndGet();
                        transactions.add(new Transaction(id, from, List.copyOf(to), content));
                        r = "250 2.0.0 Ok: queued as " + id;
                    }
                    say(out, r);
                    from = null;
                    to.clear();
                } else if (upper.equals("RSET")) {
                    from = null;
                    to.clear();
                    say(out, "250 2.0.0 Ok");
                } else if (upper.equals("QUIT")) {
                    say(out, "221 2.0.0 Bye");
                    return;
                } else {
                    say(out, "500 5.5.2 what?");
                }
            }
        } catch (IOException e) {
            // the client went away
        }
    }

    private static void say(OutputStream out, String reply) throws IOException {
        out.write((reply + "\r\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private static String line(InputStream in) throws IOException {
        byte[] b = rawLine(in);
        return b == null ? null : new String(b, 0, Math.max(0, b.length - 2), StandardCharsets.UTF_8);
    }

    /** A line with its CRLF; null at the end. */
    private static byte[] rawLine(InputStream in) throws IOException {
        var out = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0) {
            out.write(c);
            if (c == '\n') return out.toByteArray();
        }
        return out.size() == 0 ? null : out.toByteArray();
    }

    /** RFC 5321 §4.5.2: up to the line with a lone dot, a leading dot removed from the others. */
    private static byte[] content(InputStream in) throws IOException {
        var out = new ByteArrayOutputStream();
        for (byte[] l; (l = rawLine(in)) != null; ) {
            if (l.length == 3 && l[0] == '.' && l[1] == '\r') break;
            out.write(l, l.length > 0 && l[0] == '.' ? 1 : 0, l.length > 0 && l[0] == '.' ? l.length - 1 : l.length);
        }
        return out.toByteArray();
    }

    @Override
    public void close() throws IOException {
        server.close();
        Files.deleteIfExists(socket);
    }
}
