package dev.facteur.cli;

import dev.facteur.config.Config;
import dev.facteur.message.HeaderAddresses;
import dev.facteur.message.HeaderSection;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code facteur sendmail}: the {@code sendmail} interface that cron, PHP's {@code mail()}, git
 * send-email and scripts call. Reads a message on standard input and hands it to the running
 * server over its local socket ({@code [sendmail] socket}), where the kernel tells the server
 * which user is submitting. Exit codes as sysexits.h says.
 */
@Command(name = "sendmail", mixinStandardHelpOptions = true,
        description = {"Reads a message on standard input and queues it with the running server, as sendmail(1) does.",
                "Installed as /usr/sbin/sendmail, it serves cron, PHP's mail() and scripts (see the README)."},
        exitCodeListHeading = "%nExit codes (sysexits.h):%n",
        exitCodeList = {"0:queued", "64:usage", "65:the message was refused", "67:a recipient was refused", "69:the server is not running",
                "74:input error", "75:temporary failure: try again later", "77:this user may not submit mail"})
final class SendmailCommand implements Callable<Integer> {

    static final int EX_OK = 0, EX_USAGE = 64, EX_DATAERR = 65, EX_NOUSER = 67, EX_UNAVAILABLE = 69, EX_IOERR = 74, EX_TEMPFAIL = 75,
            EX_NOPERM = 77;

    @Mixin
    ConfigOption config;

    @Option(names = "-t", description = "Take the recipients from the To:, Cc: and Bcc: fields (and remove Bcc:).")
    boolean extract;

    @Option(names = {"-i", "-oi"}, description = "A line with a single dot does not end the message (only the end of input does).")
    boolean ignoreDots;

    @Option(names = "-f", paramLabel = "SENDER", description = "The envelope sender (default: you@the server's hostname).")
    String sender;

    @Option(names = "-F", paramLabel = "NAME", description = "Your full name, for a From: field written when the message has none.")
    String fullName;

    @Option(names = {"-odi", "-odb", "-oem", "-v"}, hidden = true, description = "Accepted and ignored, as most sendmail replacements do.")
    boolean ignored;

    @Parameters(paramLabel = "RECIPIENT", arity = "0..*", description = "Recipients (with -t: besides those of the message).")
    List<String> recipients = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        Config c = config.load();
        byte[] message;
        try {
            message = readMessage(System.in, ignoreDots);
        } catch (IOException e) {
            System.err.println("sendmail: cannot read the message: " + e.getMessage());
            return EX_IOERR;
        }
        String user = System.getProperty("user.name");
        String from = sender != null ? sender : user + "@" + c.hostname();
        Message m = Message.of(message);
        List<String> to = new ArrayList<>(recipients);
        if (extract) to.addAll(m.extractRecipients());
        if (to.isEmpty()) {
            System.err.println("sendmail: no recipients (give them as arguments, or use -t)");
            return EX_USAGE;
        }
        byte[] content = m.completed(from, fullName, c.hostname());
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            try {
                ch.connect(UnixDomainSocketAddress.of(c.sendmail().socket()));
            } catch (IOException e) {
                System.err.println("sendmail: Facteur is not running, or not here: cannot connect to " + c.sendmail().socket() + " ("
                        + e.getMessage() + "); the message was not sent");
                return EX_UNAVAILABLE;
            }
            return new Dialogue(Channels.newInputStream(ch), Channels.newOutputStream(ch)).send(from, to, content);
        }
    }

    /** Standard input as the message: line ends made CRLF; without -i a line of one dot ends it. */
    static byte[] readMessage(InputStream in, boolean ignoreDots) throws IOException {
        var out = new ByteArrayOutputStream();
        var reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.ISO_8859_1));
        for (String line; (line = reader.readLine()) != null; ) {
            if (!ignoreDots && line.equals(".")) break;
            out.write(line.getBytes(StandardCharsets.ISO_8859_1));
            out.write('\r');
            out.write('\n');
        }
        return out.toByteArray();
    }

    /** The message as read: its header section (raw, one char per byte) and its body. */
    record Message(String header, byte[] body) {
        static Message of(byte[] raw) {
            String text = new String(raw, StandardCharsets.ISO_8859_1);
            int end = text.startsWith("\r\n") ? 0 : text.indexOf("\r\n\r\n");
            if (end < 0) return new Message(text, new byte[0]);
            int bodyAt = end == 0 ? 2 : end + 4;
            byte[] body = new byte[raw.length - bodyAt];
            System.arraycopy(raw, bodyAt, body, 0, body.length);
            return new Message(text.substring(0, end == 0 ? 0 : end + 2), body);
        }

        List<String> fields() {
            return HeaderSection.fields(header);
        }

        private static String name(String field) {
            return HeaderSection.name(field);
        }

        /** -t: the addresses of To:, Cc: and Bcc:. */
        List<String> extractRecipients() {
            List<String> out = new ArrayList<>();
            for (String f : fields()) {
                if (!List.of("to", "cc", "bcc").contains(name(f))) continue;
                for (var mb : HeaderAddresses.addresses(HeaderSection.value(f))) out.add(mb.toString());
            }
            return out;
        }

        /** The message to send: Bcc: removed, and From:, Date:, Message-ID: added when missing, as sendmail does. */
        byte[] completed(String from, String fullName, String hostname) {
            var sb = new StringBuilder();
            boolean hasFrom = false, hasDate = false, hasId = false;
            for (String f : fields()) {
                String n = name(f);
                if (n.equals("bcc")) continue;
                hasFrom |= n.equals("from");
                hasDate |= n.equals("date");
                hasId |= n.equals("message-id");
                sb.append(f);
            }
            if (!hasFrom) sb.append("From: ").append(fullName == null ? "" : quoted(fullName) + " ").append('<').append(from).append(">\r\n");
            if (!hasDate) sb.append("Date: ").append(DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now())).append("\r\n");
            if (!hasId) sb.append("Message-ID: <").append(UUID.randomUUID()).append('@').append(hostname).append(">\r\n");
            sb.append("\r\n");
            byte[] head = sb.toString().getBytes(StandardCharsets.ISO_8859_1);
            byte[] all = new byte[head.length + body.length];
            System.arraycopy(head, 0, all, 0, head.length);
            System.arraycopy(body, 0, all, head.length, body.length);
            return all;
        }

        private static String quoted(String name) {
            return name.matches("[A-Za-z0-9 !#$%&'*+/=?^_`{|}~.-]*") ? name : "\"" + name.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
        }
    }

    /** The SMTP dialogue on the local socket; the exit code of its outcome. */
    static final class Dialogue {
        private final BufferedReader in;
        private final OutputStream out;

        Dialogue(InputStream in, OutputStream out) {
            this.in = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            this.out = out;
        }

        int send(String from, List<String> to, byte[] content) throws IOException {
            String r = reply();
            if (!r.startsWith("220")) return refused("the server", r);
            if (!(r = command("EHLO localhost")).startsWith("250")) return refused("EHLO", r);
            if (!(r = command("MAIL FROM:<" + from + ">" + (needsUtf8(from, to) ? " SMTPUTF8" : ""))).startsWith("250"))
                return refused("sender <" + from + ">", r);
            int accepted = 0;
            int failure = EX_OK;
            for (String rcpt : to) {
                r = command("RCPT TO:<" + rcpt + ">");
                if (r.startsWith("250")) {
                    accepted++;
                } else {
                    System.err.println("sendmail: <" + rcpt + ">: " + r);
                    failure = r.startsWith("4") ? EX_TEMPFAIL : EX_NOUSER;
                }
            }
            if (accepted == 0) {
                command("QUIT");
                return failure;
            }
            if (!(r = command("DATA")).startsWith("354")) return refused("DATA", r);
            out.write(dotStuffed(content));
            out.write(".\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            r = reply();
            command("QUIT");
            if (!r.startsWith("250")) return refused("the message", r);
            return failure; // queued for the recipients accepted; one refused makes it EX_NOUSER, as sendmail does
        }

        private int refused(String what, String reply) {
            System.err.println("sendmail: " + what + " refused: " + reply);
            if (reply.startsWith("554 5.7.1 User")) return EX_NOPERM;
            return reply.startsWith("4") ? EX_TEMPFAIL : EX_DATAERR;
        }

        private String command(String line) throws IOException {
            out.write((line + "\r\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
            return reply();
        }

        /** The last line of a reply; the end of the connection reads as a 421. */
        private String reply() throws IOException {
            String line;
            do {
                line = in.readLine();
                if (line == null) return "421 the server closed the connection";
            } while (line.length() > 3 && line.charAt(3) == '-');
            return line;
        }

        private static boolean needsUtf8(String from, List<String> to) {
            return !StandardCharsets.US_ASCII.newEncoder().canEncode(from + String.join("", to));
        }

        /** RFC 5321 §4.5.2: a line starting with a dot gets another. */
        static byte[] dotStuffed(byte[] content) {
            var out = new ByteArrayOutputStream(content.length + 64);
            boolean lineStart = true;
            for (byte b : content) {
                if (lineStart && b == '.') out.write('.');
                out.write(b);
                lineStart = b == '\n';
            }
            return out.toByteArray();
        }
    }
}
