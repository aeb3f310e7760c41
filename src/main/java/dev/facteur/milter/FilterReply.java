package dev.facteur.milter;

import dev.facteur.milter.MilterException.Kind;
import dev.facteur.milter.PacketReader.Packet;
import dev.facteur.smtp.Reply;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** One packet from the filter after the negotiation, read: an answer, a sign of life, or a change to the message. */
sealed interface FilterReply {

    /** The filter's answer to the event. */
    record Answer(Response response) implements FilterReply {}

    /** SMFIR_PROGRESS: still working; the timeout starts again. */
    record Progress() implements FilterReply {}

    /** A change to the message (SMFIR_QUARANTINE too). */
    record Change(Modification modification) implements FilterReply {}

    Reply SHUTDOWN = new Reply(421, "4.7.0", "Service unavailable - closing connection");

    /**
     * Reads a packet. {@code leadingSpace}: the filter negotiated SMFIP_HDR_LEADSPC, so its header
     * values carry the space after the colon themselves. MilterException (PROTOCOL) for an
     * unknown code, data where none belongs, a string without its NUL, or bytes left over.
     */
    static FilterReply decode(Packet p, boolean leadingSpace) throws MilterException {
        Cursor c = new Cursor(p);
        FilterReply r = switch (p.code()) {
            case Protocol.CONTINUE -> new Answer(Response.CONTINUE);
            case Protocol.ACCEPT -> new Answer(new Response.Accept());
            case Protocol.REJECT -> new Answer(new Response.Reject());
            case Protocol.TEMPFAIL -> new Answer(new Response.Tempfail());
            case Protocol.DISCARD -> new Answer(new Response.Discard());
            case Protocol.SKIP -> new Answer(new Response.Skip());
            case Protocol.SHUTDOWN -> new Answer(new Response.ReplyCode(SHUTDOWN));
            case Protocol.PROGRESS -> new Progress();
            case Protocol.REPLYCODE -> {
                Reply reply = ReplyCodeText.parse(c.rest());
                if (reply == null)
                    throw new MilterException(Kind.PROTOCOL, "not a 4xx or 5xx SMTP reply: " + printable(p.data()));
                yield new Answer(new Response.ReplyCode(reply));
            }
            case Protocol.QUARANTINE -> new Change(new Modification.Quarantine(utf8(upToNul(c.rest()))));
            case Protocol.ADDHEADER -> new Change(new Modification.AddHeader(c.headerName(), value(c.string(), leadingSpace)));
            case Protocol.INSHEADER -> {
                int index = c.index();
                yield new Change(new Modification.InsertHeader(index, c.headerName(), value(c.string(), leadingSpace)));
            }
            case Protocol.CHGHEADER -> {
                int index = Math.max(1, c.index()); // Sendmail's 0 is the first
                String name = c.headerName();
                byte[] value = c.string();
                yield new Change(value.length == 0 ? new Modification.DeleteHeader(index, name)
                        : new Modification.ChangeHeader(index, name, value(value, leadingSpace)));
            }
            case Protocol.REPLBODY -> new Change(new Modification.ReplaceBody(c.rest()));
            case Protocol.CHGFROM -> {
                String sender = utf8(c.string());
                yield new Change(new Modification.ChangeSender(sender, c.atEnd() ? "" : utf8(c.string())));
            }
            case Protocol.ADDRCPT -> new Change(new Modification.AddRecipient(utf8(c.string()), ""));
            case Protocol.ADDRCPT_PAR -> {
                String rcpt = utf8(c.string());
                yield new Change(new Modification.AddRecipient(rcpt, c.atEnd() ? "" : utf8(c.string())));
            }
            case Protocol.DELRCPT -> new Change(new Modification.DeleteRecipient(utf8(c.string())));
            default -> throw new MilterException(Kind.PROTOCOL, "unknown reply code " + Protocol.name(p.code()));
        };
        c.end();
        return r;
    }

    private static String utf8(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    private static byte[] upToNul(byte[] b) {
        for (int i = 0; i < b.length; i++) if (b[i] == 0) return Arrays.copyOf(b, i);
        return b;
    }

    /**
     * A header value as the field is to be written: the filter folds with LF alone (as Sendmail
     * stores headers), the message with CRLF; without SMFIP_HDR_LEADSPC the MTA puts back the space
     * after the colon.
     */
    private static String value(byte[] raw, boolean leadingSpace) {
        StringBuilder s = new StringBuilder(raw.length + 8);
        if (!leadingSpace) s.append(' ');
        for (int i = 0; i < raw.length; i++) {
            char ch = (char) (raw[i] & 0xFF);
            if (ch == '\n' && (i == 0 || raw[i - 1] != '\r')) s.append('\r');
            s.append(ch);
        }
        return s.toString();
    }

    /** At most 100 characters of the data, for an error message. */
    static String printable(byte[] data) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < Math.min(data.length, 100); i++) {
            int b = data[i] & 0xFF;
            s.append(b >= 32 && b < 127 ? String.valueOf((char) b) : String.format("\\x%02x", b));
        }
        return data.length > 100 ? s + "..." : s.toString();
    }

    /** Reads a packet's data field by field. */
    final class Cursor {
        private final Packet p;
        private int pos;

        Cursor(Packet p) {
            this.p = p;
        }

        boolean atEnd() {
            return pos == p.data().length;
        }

        /** A NUL-terminated string, without its NUL. */
        byte[] string() throws MilterException {
            byte[] d = p.data();
            for (int i = pos; i < d.length; i++) {
                if (d[i] == 0) {
                    byte[] s = Arrays.copyOfRange(d, pos, i);
                    pos = i + 1;
                    return s;
                }
            }
            throw bad("a string without its NUL");
        }

        /** A header field name: a string, not empty. */
        String headerName() throws MilterException {
            byte[] name = string();
            if (name.length == 0) throw bad("an empty header name");
            return new String(name, StandardCharsets.ISO_8859_1);
        }

        /** A 32-bit index in network order; past what an int holds it is "after the last" all the same. */
        int index() throws MilterException {
            byte[] d = p.data();
            if (d.length - pos < 4) throw bad("no room for a 32-bit index");
            long v = ((d[pos] & 0xFFL) << 24) | ((d[pos + 1] & 0xFF) << 16) | ((d[pos + 2] & 0xFF) << 8) | (d[pos + 3] & 0xFF);
            pos += 4;
            return (int) Math.min(v, Integer.MAX_VALUE);
        }

        /** All that is left. */
        byte[] rest() {
            byte[] r = Arrays.copyOfRange(p.data(), pos, p.data().length);
            pos = p.data().length;
            return r;
        }

        void end() throws MilterException {
            if (!atEnd()) throw bad((p.data().length - pos) + " bytes left over");
        }

        private MilterException bad(String what) {
            return new MilterException(Kind.PROTOCOL, "reply " + Protocol.name(p.code()) + " with " + what + ": " + printable(p.data()));
        }
    }
}
