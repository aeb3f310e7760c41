package dev.facteur.milter;

import dev.facteur.smtp.Reply;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the SMTP reply a filter gives in SMFIR_REPLYCODE: {@code 554 5.7.1 text}, or several
 * lines joined by CRLF, each {@code 554-...} but the last. Only 4xx and 5xx, one code for all
 * lines, the enhanced code's class the reply's (RFC 3463 §2), as Postfix checks them. Sendmail
 * uses the text as a format string, so filters double their {@code %}; as in Postfix, {@code %%}
 * becomes {@code %} and a lone {@code %} goes.
 */
final class ReplyCodeText {

    private ReplyCodeText() {}

    /** The reply, or null when the text is not one. */
    static Reply parse(byte[] data) {
        int end = data.length;
        if (end > 0 && data[end - 1] == 0) end--;
        for (int i = 0; i < end; i++) if (data[i] == 0) return null;
        String text = unpercent(new String(data, 0, end, StandardCharsets.UTF_8));
        String[] lines = text.split("\r\n", -1);
        int code = -1;
        String enhanced = null;
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            boolean last = i == lines.length - 1;
            if (line.length() < 4 || line.indexOf('\r') >= 0 || line.indexOf('\n') >= 0) return null;
            char c0 = line.charAt(0);
            if ((c0 != '4' && c0 != '5') || !digit(line.charAt(1)) || !digit(line.charAt(2))) return null;
            if (line.charAt(3) != (last ? ' ' : '-')) return null;
            int c = Integer.parseInt(line.substring(0, 3));
            if (code >= 0 && c != code) return null;
            code = c;
            String rest = line.substring(4);
            String e = enhancedCode(rest);
            if (e != null && e.charAt(0) != c0) return null;
            if (i == 0) enhanced = e == null ? "" : e;
            if (e != null) rest = rest.substring(e.length()).stripLeading();
            texts.add(rest);
        }
        return new Reply(code, enhanced, texts);
    }

    /** The RFC 3463 code that starts {@code s} (class.subject.detail, then a space or the end), or null. */
    private static String enhancedCode(String s) {
        int end = s.indexOf(' ');
        String word = end < 0 ? s : s.substring(0, end);
        String[] parts = word.split("\\.", -1);
        if (parts.length != 3) return null;
        for (String p : parts) {
            if (p.isEmpty() || p.length() > 3) return null;
            for (int i = 0; i < p.length(); i++) if (!digit(p.charAt(i))) return null;
        }
        return word;
    }

    private static boolean digit(char c) {
        return c >= '0' && c <= '9';
    }

    private static String unpercent(String s) {
        if (s.indexOf('%') < 0) return s;
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '%') {
                if (i + 1 < s.length() && s.charAt(i + 1) == '%') {
                    out.append('%');
                    i++;
                }
                continue;
            }
            out.append(c);
        }
        return out.toString();
    }
}
