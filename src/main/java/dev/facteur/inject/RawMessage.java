package dev.facteur.inject;

import dev.facteur.message.HeaderSection;
import dev.facteur.message.Mailbox;
import dev.facteur.mime.Composer;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

/**
 * A message as the application wrote it ({@code raw} or {@code raw_base64}), its line ends made
 * CRLF (applications write LF), then checked as RFC 5322 §2 wants: no NUL, no CR outside a line
 * end, lines of at most 998 octets, and a header section of fields up to the first empty line.
 * The server would refuse a bare CR or LF anyway (SMTP smuggling); here the application is told
 * which line is wrong.
 */
public final class RawMessage {

    /** The header section, one char per octet, each field ending with CRLF, without the empty line. */
    private final String header;
    private final byte[] body;

    private RawMessage(String header, byte[] body) {
        this.header = header;
        this.body = body;
    }

    /** Reads {@code bytes}; {@code field} names where they came from, for the errors. */
    public static RawMessage of(byte[] bytes, String field) throws BadRequest {
        var out = new ByteArrayOutputStream(bytes.length + bytes.length / 32 + 2);
        int line = 1, length = 0, headerEnd = -1, bodyStart = -1;
        for (int i = 0; i < bytes.length; i++) {
            byte b = bytes[i];
            if (b == 0) throw new BadRequest(field, "line " + line + " holds a NUL (RFC 5322 §2.3)");
            if (b == '\r' && (i + 1 == bytes.length || bytes[i + 1] != '\n'))
                throw new BadRequest(field, "line " + line + " holds a CR that ends no line (RFC 5322 §2.3)");
            if (b == '\r') continue; // its LF follows
            if (b == '\n') {
                if (length == 0 && headerEnd < 0) {
                    if (line == 1) throw new BadRequest(field, "no header fields: the message starts with an empty line");
                    headerEnd = out.size();
                    bodyStart = headerEnd + 2;
                }
                out.write('\r');
                out.write('\n');
                line++;
                length = 0;
                continue;
            }
            if (++length > Composer.MAX_LINE)
                throw new BadRequest(field, "line " + line + " is longer than " + Composer.MAX_LINE + " octets (RFC 5322 §2.1.1)");
            out.write(b);
        }
        if (out.size() == 0) throw new BadRequest(field, "empty");
        if (length > 0) { // the last line had no line end
            out.write('\r');
            out.write('\n');
        }
        byte[] all = out.toByteArray();
        if (headerEnd < 0) headerEnd = bodyStart = all.length; // a header and no body
        String header = new String(all, 0, headerEnd, StandardCharsets.ISO_8859_1);
        checkFields(header, field);
        byte[] body = new byte[all.length - bodyStart];
        System.arraycopy(all, bodyStart, body, 0, body.length);
        return new RawMessage(header, body);
    }

    /** RFC 5322 §2.2: a field is a name, a colon and its value; a line starting with white space continues it. */
    private static void checkFields(String header, String field) throws BadRequest {
        String[] lines = header.split("\r\n");
        for (int i = 0; i < lines.length; i++) {
            String l = lines[i];
            boolean continuation = !l.isEmpty() && (l.charAt(0) == ' ' || l.charAt(0) == '\t');
            if (continuation && i > 0) continue;
            int colon = l.indexOf(':');
            if (colon <= 0 || !Composer.isFieldName(l.substring(0, colon).stripTrailing()))
                throw new BadRequest(field, "line " + (i + 1) + " is neither a header field nor the continuation of one"
                        + " (an empty line separates the header from the body)");
        }
    }

    private List<String> fields() {
        return HeaderSection.fields(header);
    }

    /** True when the header has a field of this name (any case). */
    public boolean has(String name) {
        return fields().stream().anyMatch(f -> HeaderSection.name(f).equalsIgnoreCase(name));
    }

    /** The first address of the {@code From} field, if it has one. */
    public Optional<Mailbox> from() {
        return HeaderSection.fromAddresses(fields()).stream().filter(Mailbox::hasDomain).findFirst();
    }

    /** The {@code Message-ID} field's value, if there is one. */
    public Optional<String> messageId() {
        return fields().stream().filter(f -> HeaderSection.name(f).equals("message-id")).findFirst()
                .map(f -> HeaderSection.value(f).strip());
    }

    /** True when the header holds octets outside ASCII: UTF-8 header fields (RFC 6532) need SMTPUTF8. */
    public boolean utf8Header() {
        for (int i = 0; i < header.length(); i++) if (header.charAt(i) >= 0x80) return true;
        return false;
    }

    /**
     * The message to send: the {@code Bcc} fields removed, which would tell every recipient who
     * else got it (as sendmail -t does), and {@code added} (whole fields ending with CRLF) at the
     * end of the header.
     */
    public byte[] completed(List<String> added) {
        var out = new ByteArrayOutputStream(header.length() + body.length + 256);
        for (String f : fields()) if (!HeaderSection.name(f).equals("bcc")) out.writeBytes(f.getBytes(StandardCharsets.ISO_8859_1));
        for (String f : added) out.writeBytes(f.getBytes(StandardCharsets.UTF_8));
        out.write('\r');
        out.write('\n');
        out.writeBytes(body);
        return out.toByteArray();
    }

    /** The octets of the message as it was given (line ends made CRLF). */
    public long size() {
        return header.length() + 2L + body.length;
    }
}
