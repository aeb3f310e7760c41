package dev.facteur.smtp;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Turns a command line into a {@link Command}. Verbs are case-insensitive (RFC 5321 §2.4); the
 * MAIL and RCPT arguments are split by scanning for the closing bracket, not by regex, so that
 * quoted local parts with spaces or {@code >} inside survive.
 */
final class CommandParser {

    private CommandParser() {}

    static Command parse(byte[] raw) {
        // A BDAT line that cannot be read still announces a chunk, of a size nobody knows.
        for (byte b : raw) if (b == 0) return new Command.Invalid(isBdat(raw) ? Replies.BDAT_MALFORMED : Replies.NUL_IN_COMMAND);
        String line;
        try {
            line = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(raw)).toString();
        } catch (CharacterCodingException e) {
            return new Command.Invalid(isBdat(raw) ? Replies.BDAT_MALFORMED : Replies.BAD_UTF8);
        }
        return parse(line);
    }

    private static boolean isBdat(byte[] raw) {
        String start = new String(raw, 0, Math.min(raw.length, 5), StandardCharsets.ISO_8859_1);
        return start.regionMatches(true, 0, "BDAT", 0, 4) && (start.length() == 4 || start.charAt(4) == ' ');
    }

    static Command parse(String line) {
        int sp = line.indexOf(' ');
        String verb = (sp < 0 ? line : line.substring(0, sp)).toUpperCase(Locale.ROOT);
        String arg = sp < 0 ? "" : line.substring(sp + 1).strip();
        return switch (verb) {
            case "EHLO" -> arg.isEmpty() || arg.contains(" ") ? new Command.Invalid(Replies.EHLO_SYNTAX) : new Command.Ehlo(arg);
            case "HELO" -> arg.isEmpty() || arg.contains(" ") ? new Command.Invalid(Replies.HELO_SYNTAX) : new Command.Helo(arg);
            case "MAIL" -> mail(arg);
            case "RCPT" -> rcpt(arg);
            case "DATA" -> noArgs(arg, new Command.Data());
            case "BDAT" -> bdat(arg);
            case "RSET" -> noArgs(arg, new Command.Rset());
            case "NOOP" -> new Command.Noop(); // RFC 5321 §4.1.1.9: the argument is ignored
            case "QUIT" -> noArgs(arg, new Command.Quit());
            case "VRFY" -> new Command.Vrfy(arg);
            case "EXPN" -> new Command.Expn(arg);
            case "HELP" -> new Command.Help();
            case "STARTTLS" -> noArgs(arg, new Command.StartTls());
            case "AUTH" -> auth(arg);
            default -> isNonSmtp(line) ? new Command.NonSmtp(line) : new Command.Invalid(Replies.UNRECOGNIZED);
        };
    }

    /**
     * Whether an unknown command is no SMTP at all, after Postfix's "non-SMTP command" rule
     * ({@code smtpd_forbidden_commands} and its header test). It is one when the line
     * <ul>
     * <li>begins like a header field: a name of printable US-ASCII but colon, then (obsolete syntax,
     *     RFC 5322 §4.5.3) blanks, then a colon, as in {@code Subject: hi}: message content sent by
     *     a client out of step;
     * <li>begins with anything but an ASCII letter, as MIME boundaries, HTML, quoted text and folded
     *     header lines do (no command begins with a blank);
     * <li>is an HTTP request ({@code CONNECT}, {@code GET}, {@code POST}): a proxy or a browser.
     * </ul>
     * An empty line is not one: it is no command either, but clients send stray line ends.
     */
    static boolean isNonSmtp(String line) {
        if (line.isEmpty()) return false;
        char first = line.charAt(0);
        if (!((first >= 'A' && first <= 'Z') || (first >= 'a' && first <= 'z'))) return true;
        int i = 0;
        while (i < line.length() && line.charAt(i) > ' ' && line.charAt(i) < 127 && line.charAt(i) != ':') i++;
        String name = line.substring(0, i);
        while (i < line.length() && (line.charAt(i) == ' ' || line.charAt(i) == '\t')) i++;
        if (i < line.length() && line.charAt(i) == ':') return true;
        return HTTP_METHODS.contains(name.toUpperCase(Locale.ROOT));
    }

    private static final Set<String> HTTP_METHODS = Set.of("CONNECT", "GET", "POST");

    private static Command noArgs(String arg, Command c) {
        return arg.isEmpty() ? c : new Command.Invalid(Replies.NO_PARAMETERS);
    }

    private static Command mail(String arg) {
        String rest = afterPrefix(arg, "FROM:");
        if (rest == null) return new Command.Invalid(Replies.MAIL_SYNTAX);
        PathAndParams pp = splitPath(rest);
        if (pp == null) return new Command.Invalid(Replies.MAIL_SYNTAX);
        Map<String, String> params = parseParams(pp.params);
        if (params == null) return new Command.Invalid(DUPLICATE_OR_BAD_PARAM);
        return new Command.Mail(pp.path, params);
    }

    private static Command rcpt(String arg) {
        String rest = afterPrefix(arg, "TO:");
        if (rest == null) return new Command.Invalid(Replies.RCPT_SYNTAX);
        PathAndParams pp = splitPath(rest);
        if (pp == null) return new Command.Invalid(Replies.RCPT_SYNTAX);
        Map<String, String> params = parseParams(pp.params);
        if (params == null) return new Command.Invalid(DUPLICATE_OR_BAD_PARAM);
        return new Command.Rcpt(pp.path, params);
    }

    static final Reply DUPLICATE_OR_BAD_PARAM = new Reply(501, "5.5.4", "Malformed or repeated parameter");

    /** {@code FROM:} / {@code TO:}, case-insensitive; a space after the colon is tolerated. */
    private static String afterPrefix(String arg, String prefix) {
        if (!arg.regionMatches(true, 0, prefix, 0, prefix.length())) return null;
        return arg.substring(prefix.length()).stripLeading();
    }

    private record PathAndParams(String path, String params) {}

    /** Finds the closing {@code >} of the path, skipping quoted strings and quoted pairs. */
    private static PathAndParams splitPath(String s) {
        if (!s.startsWith("<")) return null;
        boolean quoted = false;
        for (int i = 1; i < s.length(); i++) {
            char c = s.charAt(i);
            if (quoted && c == '\\') {
                i++;
            } else if (c == '"') {
                quoted = !quoted;
            } else if (c == '>' && !quoted) {
                String params = s.substring(i + 1);
                if (!params.isEmpty() && params.charAt(0) != ' ') return null;
                return new PathAndParams(s.substring(0, i + 1), params.strip());
            }
        }
        return null;
    }

    /** RFC 5321 §4.1.2 esmtp-param: {@code keyword ["=" value]}, space separated; no repeats. */
    private static Map<String, String> parseParams(String s) {
        Map<String, String> out = new LinkedHashMap<>();
        if (s.isEmpty()) return out;
        for (String p : s.split(" +")) {
            int eq = p.indexOf('=');
            String key = (eq < 0 ? p : p.substring(0, eq)).toUpperCase(Locale.ROOT);
            String value = eq < 0 ? null : p.substring(eq + 1);
            if (key.isEmpty() || !key.chars().allMatch(c -> Character.isLetterOrDigit(c) && c < 128 || c == '-'))
                return null;
            if (value != null && value.isEmpty()) return null;
            if (out.containsKey(key)) return null;
            out.put(key, value);
        }
        return out;
    }

    /** RFC 4954 §4: a mechanism name (RFC 4422 §3.1: up to 20 of A-Z 0-9 - _), then perhaps one initial response. */
    private static Command auth(String arg) {
        String[] parts = arg.split(" ", -1);
        if (arg.isEmpty() || parts.length > 2 || !parts[0].matches("[A-Za-z0-9_-]{1,20}"))
            return new Command.Invalid(new Reply(501, "5.5.4", "Syntax: AUTH mechanism [initial-response]"));
        return new Command.Auth(parts[0].toUpperCase(Locale.ROOT), parts.length == 2 ? parts[1] : null);
    }

    /** RFC 3030 §2 {@code "BDAT" SP chunk-size [ SP end-marker ]}; anything else leaves the chunk's end unknown. */
    private static Command bdat(String arg) {
        String[] parts = arg.split(" +");
        if (arg.isEmpty() || parts.length > 2) return new Command.Invalid(Replies.BDAT_MALFORMED);
        if (parts[0].isEmpty() || !parts[0].chars().allMatch(c -> c >= '0' && c <= '9') || parts[0].length() > 18)
            return new Command.Invalid(Replies.BDAT_MALFORMED);
        boolean last = false;
        if (parts.length == 2) {
            if (!parts[1].equalsIgnoreCase("LAST")) return new Command.Invalid(Replies.BDAT_MALFORMED);
            last = true;
        }
        return new Command.Bdat(Long.parseLong(parts[0]), last);
    }
}
