package dev.facteur.milter;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PushbackInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Applies a filter's changes to the content of a message, in the order it sent them, as Postfix's
 * cleanup does: header fields added, inserted, changed and deleted, the body replaced. The
 * envelope's changes (sender, recipients) and quarantine are the caller's; they are skipped here.
 *
 * <p>Header indexes count the fields the filter was shown, which is this content's header section
 * (the caller leaves out what it hid, its own {@code Received:}), as each earlier change left it.
 * The header section is held in memory while it is edited; the body is streamed, or replaced by
 * the filter's chunks, whose line ends become CRLF as stored content has.
 */
public final class MessageEdits {

    private MessageEdits() {}

    /** Whether any of {@code changes} touches the content, so that it must be rewritten. */
    public static boolean touchContent(List<Modification> changes) {
        return changes.stream().anyMatch(m -> m instanceof Modification.AddHeader || m instanceof Modification.InsertHeader
                || m instanceof Modification.ChangeHeader || m instanceof Modification.DeleteHeader
                || m instanceof Modification.ReplaceBody);
    }

    /** Writes {@code current} with {@code changes} applied to {@code next}. */
    public static void apply(List<Modification> changes, InputStream current, OutputStream next) throws IOException {
        HeaderFields section = new HeaderFields(current, Integer.MAX_VALUE - 8);
        List<Field> fields = new ArrayList<>();
        for (HeaderFields.Field f; (f = section.next()) != null; ) fields.add(new Field(latin1(f.name()), f.raw()));
        List<byte[]> newBody = null;
        for (Modification m : changes) {
            switch (m) {
                case Modification.AddHeader h -> fields.add(Field.of(h.name(), h.value()));
                case Modification.InsertHeader h -> fields.add(Math.min(Math.max(h.index(), 0), fields.size()), Field.of(h.name(), h.value()));
                case Modification.ChangeHeader h -> {
                    int i = nth(fields, h.name(), h.index());
                    if (i < 0) fields.add(Field.of(h.name(), h.value()));
                    else fields.set(i, Field.of(h.name(), h.value()));
                }
                case Modification.DeleteHeader h -> {
                    int i = nth(fields, h.name(), h.index());
                    if (i >= 0) fields.remove(i);
                }
                case Modification.ReplaceBody b -> {
                    if (newBody == null) newBody = new ArrayList<>();
                    newBody.add(b.chunk());
                }
                case Modification.ChangeSender s -> {}
                case Modification.AddRecipient r -> {}
                case Modification.DeleteRecipient r -> {}
                case Modification.Quarantine q -> {}
            }
        }
        for (Field f : fields) next.write(f.raw());
        PushbackInputStream body = new PushbackInputStream(section.body(), 1);
        if (newBody != null) {
            if (section.endedAtEmptyLine() || newBody.stream().anyMatch(c -> c.length > 0)) next.write(CRLF);
            CrlfLineEnds out = new CrlfLineEnds(next);
            for (byte[] chunk : newBody) out.write(chunk);
            out.finish();
            return;
        }
        int first = body.read();
        if (first < 0) {
            if (section.endedAtEmptyLine()) next.write(CRLF);
            return;
        }
        body.unread(first);
        next.write(CRLF); // a body that began without its empty line gets one now
        body.transferTo(next);
    }

    private static final byte[] CRLF = {'\r', '\n'};

    /** The index in {@code fields} of the {@code n}-th (from 1; 0 read as 1) named {@code name}, or -1. */
    private static int nth(List<Field> fields, String name, int n) {
        int seen = 0;
        for (int i = 0; i < fields.size(); i++)
            if (fields.get(i).name().equalsIgnoreCase(name) && ++seen == Math.max(n, 1)) return i;
        return -1;
    }

    private static String latin1(byte[] b) {
        return new String(b, StandardCharsets.ISO_8859_1);
    }

    /** A header field: its name, and its bytes as written, line ends included. */
    private record Field(String name, byte[] raw) {
        static Field of(String name, String value) {
            // a value without its leading space gets none: the filter wrote it as it wants it
            String text = name + ":" + value;
            StringBuilder sb = new StringBuilder(text.length() + 2);
            for (int i = 0; i < text.length(); i++) {
                char c = text.charAt(i);
                if (c == '\n' && (i == 0 || text.charAt(i - 1) != '\r')) sb.append('\r');
                sb.append(c);
            }
            if (sb.length() < 2 || sb.charAt(sb.length() - 1) != '\n') sb.append("\r\n");
            return new Field(name, sb.toString().getBytes(StandardCharsets.ISO_8859_1));
        }
    }

    /** Writes through, with each bare LF or bare CR made CRLF, and the content ended by a line end. */
    private static final class CrlfLineEnds {
        private final OutputStream out;
        private int last = '\n';

        CrlfLineEnds(OutputStream out) {
            this.out = out;
        }

        void write(byte[] b) throws IOException {
            var buf = new java.io.ByteArrayOutputStream(b.length + 16);
            for (byte x : b) {
                if (last == '\r' && x != '\n') buf.write('\n');
                if (x == '\n' && last != '\r') buf.write('\r');
                buf.write(x);
                last = x;
            }
            buf.writeTo(out);
        }

        void finish() throws IOException {
            if (last == '\r') out.write('\n');
            else if (last != '\n') out.write(CRLF);
        }
    }
}
