package dev.facteur.auth.arc;

import java.util.List;

/**
 * Writes a tag=value field the way the ARC fields are commonly written (and the ValiMail suite's
 * reference output is): tags in alphabetical order, separated by "; ", folded between tags, no
 * final semicolon. Under relaxed canonicalization, which is all ARC signs its own fields with, a
 * fold and a space are the same, so where the lines break never changes a signature.
 */
final class FieldWriter {

    private static final int LINE = 78;

    private FieldWriter() {}

    /** {@code name: tag; tag; ...}, each tag {@code name=value}, folded; without the final CRLF. */
    static String field(String name, List<String> tags) {
        StringBuilder f = new StringBuilder(name).append(':');
        int line = f.length();
        for (int i = 0; i < tags.size(); i++) {
            String tag = tags.get(i) + (i < tags.size() - 1 ? ";" : "");
            int firstLine = tag.indexOf('\r') < 0 ? tag.length() : tag.indexOf('\r');
            if (i > 0 && line + 1 + firstLine > LINE) {
                f.append("\r\n "); // a space, not a tab: dkimpy finds a set's message signature by " i=N;"
                line = 1;
            } else {
                f.append(' ');
                line++;
            }
            f.append(tag);
            line = tag.indexOf('\n') < 0 ? line + tag.length() : tag.length() - tag.lastIndexOf('\n');
        }
        return f.toString();
    }

    /** A base64 value (b=) in lines of 72; white space inside it means nothing (RFC 6376 §3.5). */
    static String base64(String value) {
        StringBuilder out = new StringBuilder(value.length() + value.length() / 24);
        for (int i = 0; i < value.length(); i += 72) out.append(i == 0 ? "" : "\r\n\t ").append(value, i, Math.min(value.length(), i + 72));
        return out.toString();
    }

    /** A colon-separated list of names (h=) in lines a reader keeps, folded before a name, never inside one (RFC 6376 §3.5 sig-h-tag). */
    static String names(List<String> names) {
        StringBuilder out = new StringBuilder();
        int line = 10;
        for (int i = 0; i < names.size(); i++) {
            String n = names.get(i) + (i < names.size() - 1 ? ":" : "");
            if (line + n.length() > LINE) {
                out.append("\r\n\t ");
                line = 2;
            }
            out.append(n);
            line += n.length();
        }
        return out.toString();
    }
}
