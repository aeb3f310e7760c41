package dev.facteur.auth.srs;

import dev.facteur.testing.Daemon;
import dev.facteur.testing.Loopback;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;

/**
 * A private postsrsd (Debian's package, libsrs2 inside) on a loopback host of its own, asked
 * through its two Postfix tcp_table ports: {@code get <address>} on the forward port, or the
 * reverse one, answers {@code 200 <address>} or {@code 500 <why>}. Addresses go both ways in
 * Postfix's unquoted internal form, URL-encoded (tcp_table(5)).
 */
final class PostSrsd implements AutoCloseable {

    static final Path BINARY = Path.of("/usr/sbin/postsrsd");
    private static final int FORWARD_PORT = 10001;
    private static final int REVERSE_PORT = 10002;

    /** A tcp_table reply: its code (200 found, 500 not found, 400 trouble) and its text, decoded. */
    record Answer(int code, String text) {}

    private final Daemon daemon;
    private final InetSocketAddress forward;
    private final InetSocketAddress reverse;

    private PostSrsd(Daemon daemon, InetSocketAddress forward, InetSocketAddress reverse) {
        this.daemon = daemon;
        this.forward = forward;
        this.reverse = reverse;
    }

    /** postsrsd rewriting into {@code domain}, with {@code secrets} (the first signs) in its secrets file. */
    static PostSrsd start(Path dir, String domain, List<String> secrets) throws IOException {
        Path secretFile = dir.resolve("postsrsd.secret");
        Files.writeString(secretFile, String.join("\n", secrets) + "\n");
        return Daemon.onSomeAddress(() -> {
            String host = Loopback.host();
            var f = new InetSocketAddress(host, FORWARD_PORT);
            var r = new InetSocketAddress(host, REVERSE_PORT);
            // in the foreground, no chroot and no user switch: a child of this JVM that Daemon stops
            Daemon d = Daemon.start("postsrsd on " + host, List.of(BINARY.toString(), "-s" + secretFile, "-d" + domain,
                            "-l" + host, "-f" + FORWARD_PORT, "-r" + REVERSE_PORT),
                    dir.resolve("postsrsd-" + host + ".log"), self -> self.listensOn(f, true) && self.listensOn(r, true));
            return new PostSrsd(d, f, r);
        });
    }

    /** The forward table: the sender postsrsd would rewrite {@code address} to. */
    Answer forward(String address) throws IOException {
        return get(forward, address);
    }

    /** The reverse table: where postsrsd would send a bounce to {@code address}. */
    Answer reverse(String address) throws IOException {
        return get(reverse, address);
    }

    private static Answer get(InetSocketAddress table, String key) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(table, 5_000);
            s.setSoTimeout(5_000);
            OutputStream out = s.getOutputStream();
            out.write(("get " + encode(key) + "\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String line = readLine(s.getInputStream());
            if (line.length() < 4 || line.charAt(3) != ' ') throw new IOException("postsrsd said: " + line);
            return new Answer(Integer.parseInt(line.substring(0, 3)), decode(line.substring(4)));
        }
    }

    private static String readLine(InputStream in) throws IOException {
        var line = new ByteArrayOutputStream();
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b < 0) throw new IOException("postsrsd closed the connection mid-line: " + line);
            line.write(b);
        }
        return line.toString(StandardCharsets.US_ASCII);
    }

    /** tcp_table(5): whitespace, what is not printable ASCII, and % itself go as %XX. */
    static String encode(String s) {
        StringBuilder out = new StringBuilder();
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if (c <= ' ' || c >= 0x7f || c == '%') out.append('%').append(HexFormat.of().withUpperCase().toHexDigits((byte) c));
            else out.append((char) c);
        }
        return out.toString();
    }

    static String decode(String s) {
        var out = new ByteArrayOutputStream();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '%' && i + 2 < s.length()) {
                out.write(HexFormat.fromHexDigits(s, i + 1, i + 3));
                i += 2;
            } else {
                out.write(c);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        daemon.close();
    }
}
