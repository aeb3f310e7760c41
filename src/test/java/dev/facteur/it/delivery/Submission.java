package dev.facteur.it.delivery;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Hands one message to Facteur over SMTP exactly as written — MAIL and RCPT arguments with their
 * ESMTP parameters (BODY, RET, ENVID, NOTIFY, ORCPT) — and returns the queue id from the 250
 * reply. Any refusal fails the test: these tests are about what happens after acceptance.
 */
final class Submission {

    private static final Pattern QUEUED_AS = Pattern.compile("queued as (\\S+)");

    private Submission() {}

    /**
     * @param mailArgs what follows {@code MAIL FROM:}, e.g. {@code <a@sender.test> RET=HDRS}
     * @param rcptArgs what follows each {@code RCPT TO:}, e.g. {@code <b@x.test> NOTIFY=NEVER}
     * @param content  the message with CRLF line ends and no line starting with a dot
     */
    static String send(InetSocketAddress server, String mailArgs, List<String> rcptArgs, byte[] content) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(server, 5_000);
            s.setSoTimeout(15_000);
            var in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.ISO_8859_1));
            OutputStream out = s.getOutputStream();
            expect(in, 220, null, null);
            expect(in, 250, out, "EHLO client.sender.test");
            expect(in, 250, out, "MAIL FROM:" + mailArgs);
            for (String r : rcptArgs) expect(in, 250, out, "RCPT TO:" + r);
            expect(in, 354, out, "DATA");
            out.write(content);
            out.write(".\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String reply = expect(in, 250, null, null);
            expect(in, 221, out, "QUIT");
            Matcher m = QUEUED_AS.matcher(reply);
            if (!m.find()) throw new AssertionError("no queue id in the reply to DATA: " + reply);
            return m.group(1);
        }
    }

    /** A plain 7-bit message from {@code sender} to each recipient, no ESMTP parameters. */
    static String send(InetSocketAddress server, String sender, List<String> recipients, String subject) throws IOException {
        return send(server, "<" + sender + ">", recipients.stream().map(r -> "<" + r + ">").toList(), message(sender, subject));
    }

    /** A small message whose subject lets tests find it again. */
    static byte[] message(String sender, String subject) {
        return ("From: <" + sender + ">\r\nTo: <undisclosed-recipients:;>\r\nSubject: " + subject + "\r\n"
                + "Message-ID: <" + subject.replace(' ', '-') + "@sender.test>\r\n\r\n"
                + "Hello,\r\nthis is the body of " + subject + ".\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    private static String expect(BufferedReader in, int code, OutputStream out, String command) throws IOException {
        if (command != null) {
            out.write((command + "\r\n").getBytes(StandardCharsets.UTF_8)); // SMTPUTF8 addresses
            out.flush();
        }
        StringBuilder all = new StringBuilder();
        String line;
        do {
            line = in.readLine();
            if (line == null) throw new IOException("connection closed after " + command + "; read: " + all);
            all.append(line).append('\n');
        } while (line.length() > 3 && line.charAt(3) == '-');
        if (!line.startsWith(Integer.toString(code)))
            throw new AssertionError("expected " + code + " to " + (command == null ? "(nothing)" : command) + ", got: " + all);
        return all.toString();
    }
}
