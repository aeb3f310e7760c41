import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * Authenticated submissions, as mail clients make them, as fast as SESSIONS clients at once can:
 * each submission is a new connection, STARTTLS (or TLS at once), EHLO, AUTH PLAIN, MAIL, RCPT,
 * DATA with a SIZE-byte message, QUIT. smtp-source does neither TLS nor AUTH, hence this.
 *
 *   java bench/SubmitLoad.java HOST PORT starttls|implicit USER PASSWORD SESSIONS COUNT SIZE
 *
 * Prints "msg/s failures": COUNT divided by the wall time from the first connection to the last QUIT.
 */
public class SubmitLoad {

    public static void main(String[] args) throws Exception {
        if (args.length != 8) {
            System.err.println("usage: java SubmitLoad.java HOST PORT starttls|implicit USER PASSWORD SESSIONS COUNT SIZE");
            System.exit(2);
        }
        String host = args[0];
        int port = Integer.parseInt(args[1]);
        boolean implicit = args[2].equals("implicit");
        String user = args[3], password = args[4];
        int sessions = Integer.parseInt(args[5]), count = Integer.parseInt(args[6]), size = Integer.parseInt(args[7]);
        SSLContext tls = trustAll();
        String plain = Base64.getEncoder().encodeToString(("\0" + user + "\0" + password).getBytes(StandardCharsets.UTF_8));
        byte[] message = message(user, size);
        AtomicInteger left = new AtomicInteger(count), failures = new AtomicInteger();
        List<Thread> threads = new ArrayList<>();
        long start = System.nanoTime();
        for (int i = 0; i < sessions; i++) {
            threads.add(Thread.ofVirtual().start(() -> {
                while (left.getAndDecrement() > 0) {
                    try {
                        submit(tls, host, port, implicit, plain, user, message);
                    } catch (IOException | RuntimeException e) {
                        if (failures.incrementAndGet() <= 3) System.err.println("submission failed: " + e);
                    }
                }
            }));
        }
        for (Thread t : threads) t.join();
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf("%.1f %d%n", count / seconds, failures.get());
    }

    static void submit(SSLContext tls, String host, int port, boolean implicit, String plain, String user, byte[] message) throws IOException {
        Socket plainSocket = new Socket();
        plainSocket.connect(new InetSocketAddress(host, port), 30_000);
        plainSocket.setSoTimeout(60_000);
        Socket s = plainSocket;
        try {
            if (implicit) s = handshake(tls, plainSocket, host, port);
            var in = reader(s);
            OutputStream out = s.getOutputStream();
            expect(in, "220");
            command(out, in, "EHLO load.bench.test", "250");
            if (!implicit) {
                command(out, in, "STARTTLS", "220");
                s = handshake(tls, plainSocket, host, port);
                in = reader(s);
                out = s.getOutputStream();
                command(out, in, "EHLO load.bench.test", "250");
            }
            command(out, in, "AUTH PLAIN " + plain, "235");
            command(out, in, "MAIL FROM:<" + user + ">", "250");
            command(out, in, "RCPT TO:<rcpt@example.org>", "250");
            command(out, in, "DATA", "354");
            out.write(message);
            out.flush();
            expect(in, "250");
            command(out, in, "QUIT", "221");
        } finally {
            s.close();
        }
    }

    static SSLSocket handshake(SSLContext tls, Socket socket, String host, int port) throws IOException {
        SSLSocket t = (SSLSocket) tls.getSocketFactory().createSocket(socket, host, port, true);
        t.startHandshake();
        return t;
    }

    static BufferedReader reader(Socket s) throws IOException {
        return new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
    }

    static void command(OutputStream out, BufferedReader in, String line, String code) throws IOException {
        out.write((line + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        expect(in, code);
    }

    static void expect(BufferedReader in, String code) throws IOException {
        String line;
        do {
            line = in.readLine();
            if (line == null) throw new IOException("connection closed, expected " + code);
        } while (line.length() > 3 && line.charAt(3) == '-');
        if (!line.startsWith(code)) throw new IOException("expected " + code + ", got: " + line);
    }

    static byte[] message(String from, int size) {
        StringBuilder m = new StringBuilder("From: <" + from + ">\r\nTo: <rcpt@example.org>\r\nSubject: load\r\n"
                + "Date: Tue, 1 Dec 2026 10:00:00 +0000\r\nMessage-ID: <load@bench.test>\r\n\r\n");
        String line = "abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz0123456789\r\n";
        while (m.length() < size) m.append(line);
        m.append(".\r\n");
        return m.toString().getBytes(StandardCharsets.US_ASCII);
    }

    static SSLContext trustAll() throws Exception {
        TrustManager any = new X509TrustManager() {
            public void checkClientTrusted(X509Certificate[] chain, String authType) {}

            public void checkServerTrusted(X509Certificate[] chain, String authType) {}

            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        };
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, new TrustManager[] {any}, null);
        return ctx;
    }
}
