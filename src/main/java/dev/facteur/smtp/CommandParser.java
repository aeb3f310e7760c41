package dev.facteur.smtp;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Turns a command line into a {@link Command}. Verbs are case-insensitive (RFC 5321 §2.4); the
 * MAIL and RCPT arguments are split by scanning for the closing bracket, not by regex, so that
 * quoted local parts with spaces or {@code >} inside survive.
 */
final class CommandParser {

    private CommandParser() {}

    static Command parse(byte[] raw) {
        for (byte b : raw) if (b == 0) return new Command.Invalid(Replies.NUL_IN_COMMAND);
        String line;
        try {
            line = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(raw)).toString();
        } catch (CharacterCodingException e) {
            return new Command.Invalid(Replies.BAD_UTF8);
        }
        return parse(line);
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
            default -> new Command.Invalid(Replies.UNRECOGNIZED);
        };
    }

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

    private static Command bdat(String arg) {
        String[] parts = arg.split(" +");
        if (arg.isEmpty() || parts.length > 2) return new Command.Invalid(Replies.BDAT_SYNTAX);
        if (!parts[0].chars().allMatch(c -> c >= '0' && c <= '9') || parts[0].length() > 18)
            return new Command.Invalid(Replies.BDAT_SYNTAX);
        boolean last = false;
        if (parts.length == 2) {
            if (!parts[1].equalsIgnoreCase("LAST")) return new Command.Invalid(Replies.BDAT_SYNTAX);
            last = true;
        }
        return new Command.Bdat(Long.parseLong(parts[0]), last);
    }
}
