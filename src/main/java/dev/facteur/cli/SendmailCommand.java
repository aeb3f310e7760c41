package dev.facteur.cli;

import dev.facteur.config.Config;
import dev.facteur.inject.LocalSubmission;
import dev.facteur.message.HeaderAddresses;
import dev.facteur.message.HeaderSection;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
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
        LocalSubmission session;
        try {
            session = LocalSubmission.connect(c.sendmail().socket(), LocalSubmission.TIMEOUT);
        } catch (IOException e) {
            System.err.println("sendmail: Facteur is not running, or not here: cannot connect to " + c.sendmail().socket() + " ("
                    + e.getMessage() + "); the message was not sent");
            return EX_UNAVAILABLE;
        }
        try (session) {
            return exitCode(from, session.send(from, to, content, false));
        }
    }

    /**
     * Each refusal on standard error, and the exit code: a refusal of the whole message (by the
     * server, of the sender, of the content) says why; otherwise the last refused recipient does,
     * as sendmail does: the message is queued for the others.
     */
    static int exitCode(String from, LocalSubmission.Outcome outcome) {
        int code = EX_OK;
        LocalSubmission.Refused whole = null;
        for (LocalSubmission.Refused r : outcome.refused()) {
            if (r.stage() == LocalSubmission.Stage.RCPT) {
                System.err.println("sendmail: <" + r.recipient() + ">: " + r.reply());
                code = r.reply().isTransient() ? EX_TEMPFAIL : EX_NOUSER;
            } else if (whole == null) {
                whole = r;
            }
        }
        if (whole == null) return code;
        String what = switch (whole.stage()) {
            case GREETING -> "the server";
            case EHLO -> "EHLO";
            case MAIL -> "sender <" + from + ">";
            case DATA -> "DATA";
            default -> "the message";
        };
        System.err.println("sendmail: " + what + " refused: " + whole.reply());
        if (whole.reply().text().startsWith("554 5.7.1 User")) return EX_NOPERM;
        return whole.reply().isTransient() ? EX_TEMPFAIL : EX_DATAERR;
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
}
