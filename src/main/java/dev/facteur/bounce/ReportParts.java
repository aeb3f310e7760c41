package dev.facteur.bounce;

import java.util.List;
import java.util.Optional;

/**
 * Which part of a report is which (RFC 6522 §3: the notice for people, the machine-readable part,
 * the returned message), also when a server sends them without the types that would say so.
 */
final class ReportParts {

    private ReportParts() {}

    /**
     * The returned message: a {@code message/rfc822} or {@code message/global} part, a header part
     * ({@code text/rfc822-headers}, RFC 6533 {@code message/global-headers}), or, as some servers
     * send it, a part that is the original's header itself or holds it as text.
     */
    static ReturnedMessage returnedMessage(List<MimeEntity> entities) {
        for (MimeEntity e : entities.subList(1, entities.size())) {
            if (e.isMessage()) {
                MimeEntity m = e.enclosed();
                if (m != null && !m.header.isEmpty()) return new ReturnedMessage(m.header, true);
            } else if (isHeaderPart(e)) {
                String text = e.text();
                ReportFields fields = FieldLines.read(FieldLines.lines(text), skipEmpty(text), 500).fields();
                if (!fields.isEmpty()) return new ReturnedMessage(fields, false);
            } else if (isHeadlessMessage(e)) {
                return new ReturnedMessage(e.header, true);
            } else if (e.type.equals("text/plain") && startsWithHeader(e.text())) {
                String text = e.text();
                return new ReturnedMessage(FieldLines.read(FieldLines.lines(text), skipEmpty(text), 500).fields(), false);
            }
        }
        return ReturnedMessage.NONE;
    }

    private static boolean isHeaderPart(MimeEntity e) {
        return switch (e.type) {
            case "text/rfc822-headers", "text/rfc822-header", "message/global-headers", "message/rfc822-headers" -> true;
            default -> false;
        };
    }

    /** A part without a Content-Type whose header fields are a message's: the original sent as a part with no header of its own. */
    private static boolean isHeadlessMessage(MimeEntity e) {
        if (e.header.has("Content-Type")) return false;
        int known = 0;
        for (String name : new String[] {"Received", "Return-Path", "Message-ID", "From", "Subject", "Date"}) if (e.header.has(name)) known++;
        return known >= 2;
    }

    private static boolean startsWithHeader(String text) {
        List<String> lines = FieldLines.lines(text);
        int i = skipEmpty(lines);
        return i < lines.size() && PlainTextBounce.headerBlockAt(lines, i);
    }

    /**
     * The text written for people: the text parts that are neither the report's fields nor the
     * returned message, up to {@code maxChars} in all; the text of the HTML part when there is
     * no other.
     */
    static String notice(MimeEntity root, List<MimeEntity> entities, int maxChars) {
        var out = new StringBuilder();
        boolean first = true;
        for (MimeEntity e : entities) {
            // a multipart whose boundary never comes is text (some bounces arrive with their MIME structure flattened)
            boolean text = e.type.equals("text/plain") || e.isMultipart() && e.parts().isEmpty();
            if (!text || (e != root && (isHeadlessMessage(e) || !first && startsWithHeader(e.text())))) continue;
            if (!first) out.append("\n\n");
            first = false;
            if (!append(out, e.text(), maxChars)) break;
        }
        if (out.isEmpty()) {
            for (MimeEntity e : entities) {
                if (!e.type.equals("text/html")) continue;
                String html = e.text();
                html = html.substring(0, Math.min(html.length(), 4 * maxChars)); // the tags go; a bound on what they may take
                append(out, html.replaceAll("(?s)<(?:style|script)[^>]*>.*?</(?:style|script)>|<[^>]{0,2000}>", " ").replace("&nbsp;", " "), maxChars);
                break;
            }
        }
        return out.toString();
    }

    /** Appends what room is left for; false when the text is full. */
    private static boolean append(StringBuilder out, String text, int maxChars) {
        int room = maxChars - out.length();
        if (room <= 0) {
            out.setLength(maxChars);
            return false;
        }
        out.append(text, 0, Math.min(text.length(), room));
        return out.length() < maxChars;
    }

    static Optional<MimeEntity> first(List<MimeEntity> entities, String type) {
        for (MimeEntity e : entities) if (e.type.equals(type)) return Optional.of(e);
        return Optional.empty();
    }

    static int skipEmpty(String text) {
        return skipEmpty(FieldLines.lines(text));
    }

    private static int skipEmpty(List<String> lines) {
        int i = 0;
        while (i < lines.size() && lines.get(i).isBlank()) i++;
        return i;
    }
}
