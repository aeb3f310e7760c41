package dev.facteur.sts;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * An MTA-STS policy (RFC 8461 §3.2): how strictly senders must apply it, the MX hosts mail for
 * the domain may go to, and how long a sender keeps it.
 *
 * @param mode   what a sender does with the policy
 * @param mx     the MX patterns, lower case: host names, or {@code *.domain} for any host one
 *               label below {@code domain}; at least one unless the mode is {@code none}
 * @param maxAge how long a sender may keep the policy after fetching it: whole seconds, at most
 *               {@link #MAX_AGE_LIMIT}
 */
public record StsPolicy(Mode mode, List<String> mx, Duration maxAge) {

    /** §3.2: "maximum value of 31557600" seconds, a year. */
    public static final Duration MAX_AGE_LIMIT = Duration.ofSeconds(31_557_600);

    /** §3.2 and §5. */
    public enum Mode {
        /** Deliver only to MX hosts that match the policy, over TLS whose certificate verifies. */
        ENFORCE("enforce"),
        /** Deliver as usual; report (RFC 8460) and log what would have failed. */
        TESTING("testing"),
        /** As though the domain had no policy: how a domain withdraws one (§8.3). */
        NONE("none");

        private final String token;

        Mode(String token) {
            this.token = token;
        }

        /** The mode as a policy writes it. */
        public String token() {
            return token;
        }

        /** The mode a policy names (case sensitive, as the ABNF has it), if any. */
        public static Optional<Mode> of(String token) {
            for (Mode m : values()) if (m.token.equals(token)) return Optional.of(m);
            return Optional.empty();
        }
    }

    public StsPolicy {
        List<String> patterns = new ArrayList<>();
        for (String p : mx) {
            String problem = patternProblem(p);
            if (problem != null) throw new IllegalArgumentException(problem);
            patterns.add(p.toLowerCase(Locale.ROOT));
        }
        mx = List.copyOf(patterns);
        if (mx.isEmpty() && mode != Mode.NONE) throw new IllegalArgumentException("a policy in mode " + mode.token() + " needs at least one mx");
        if (maxAge.isNegative() || maxAge.compareTo(MAX_AGE_LIMIT) > 0 || maxAge.getNano() != 0)
            throw new IllegalArgumentException("max_age must be whole seconds from 0 to " + MAX_AGE_LIMIT.toSeconds() + ", got " + maxAge);
    }

    /** What a policy file is. */
    public sealed interface Parse {
        record Valid(StsPolicy policy) implements Parse {}

        /** Not a policy a sender may use, and why (for the log, and RFC 8460's {@code sts-policy-invalid}). */
        record Invalid(String reason) implements Parse {}
    }

    /**
     * Reads a policy file by the ABNF of §3.2: {@code key: value} lines ended by CRLF or LF, each
     * key's value after optional spaces, trailing spaces and tabs ignored. {@code version: STSv1},
     * {@code mode} and {@code max_age} once each, {@code mx} as often as there are patterns; other
     * keys must be well-formed and are ignored. Keys and the version and mode values are case
     * sensitive. Empty lines are skipped: the ABNF has none, but a file written by hand often
     * ends with one, and skipping it cannot change what the policy says.
     */
    public static Parse parse(String text) {
        String version = null, mode = null, maxAge = null;
        List<String> mx = new ArrayList<>();
        int lineNumber = 0;
        for (String raw : text.split("\n", -1)) {
            lineNumber++;
            String line = raw.endsWith("\r") ? raw.substring(0, raw.length() - 1) : raw;
            if (line.indexOf('\r') >= 0) return invalid(lineNumber, "a carriage return not followed by a line feed");
            line = stripTrailingWsp(line);
            if (line.isEmpty()) continue;
            int colon = line.indexOf(':');
            if (colon < 0) return invalid(lineNumber, "not \"key: value\"");
            String key = line.substring(0, colon);
            String value = skipWsp(line.substring(colon + 1));
            if (!keyName(key)) return invalid(lineNumber, "\"" + key + "\" is not a key");
            if (value.isEmpty()) return invalid(lineNumber, key + " has no value");
            switch (key) {
                case "version" -> {
                    if (version != null) return invalid(lineNumber, "a second version");
                    version = value;
                }
                case "mode" -> {
                    if (mode != null) return invalid(lineNumber, "a second mode");
                    mode = value;
                }
                case "max_age" -> {
                    if (maxAge != null) return invalid(lineNumber, "a second max_age");
                    maxAge = value;
                }
                case "mx" -> {
                    String problem = patternProblem(value);
                    if (problem != null) return invalid(lineNumber, problem);
                    mx.add(value);
                }
                default -> {
                    if (!value.codePoints().allMatch(c -> c >= 0x20 && c != 0x7f)) return invalid(lineNumber, key + " holds a control character");
                }
            }
        }
        if (version == null) return new Parse.Invalid("no version");
        if (!version.equals("STSv1")) return new Parse.Invalid("version is \"" + version + "\", not STSv1");
        if (mode == null) return new Parse.Invalid("no mode");
        Optional<Mode> m = Mode.of(mode);
        if (m.isEmpty()) return new Parse.Invalid("mode is \"" + mode + "\", not enforce, testing or none");
        if (maxAge == null) return new Parse.Invalid("no max_age");
        if (!maxAge.matches("[0-9]{1,10}")) return new Parse.Invalid("max_age is \"" + maxAge + "\", not up to 10 digits");
        long seconds = Long.parseLong(maxAge);
        if (seconds > MAX_AGE_LIMIT.toSeconds())
            return new Parse.Invalid("max_age is " + seconds + ", more than the limit of " + MAX_AGE_LIMIT.toSeconds() + " (RFC 8461 §3.2)");
        if (mx.isEmpty() && m.get() != Mode.NONE) return new Parse.Invalid("no mx (required unless the mode is none)");
        return new Parse.Valid(new StsPolicy(m.get(), mx, Duration.ofSeconds(seconds)));
    }

    /**
     * §4.1: whether {@code mxHost}, an MX host name, is one this policy allows. Case does not
     * matter, nor a trailing dot; {@code *.example.com} stands for exactly one label more:
     * {@code mx1.example.com}, not {@code example.com} nor {@code a.mx1.example.com}.
     */
    public boolean matches(String mxHost) {
        String host = mxHost.toLowerCase(Locale.ROOT);
        if (host.endsWith(".")) host = host.substring(0, host.length() - 1);
        int dot = host.indexOf('.');
        for (String pattern : mx) {
            if (pattern.startsWith("*.")) {
                if (dot > 0 && host.substring(dot + 1).equals(pattern.substring(2))) return true;
            } else if (host.equals(pattern)) {
                return true;
            }
        }
        return false;
    }

    /** The policy as a file, lines ended by CRLF as §3.2's examples have them. */
    public String text() {
        StringBuilder b = new StringBuilder("version: STSv1\r\nmode: ").append(mode.token()).append("\r\n");
        for (String p : mx) b.append("mx: ").append(p).append("\r\n");
        return b.append("max_age: ").append(maxAge.toSeconds()).append("\r\n").toString();
    }

    private static Parse invalid(int line, String reason) {
        return new Parse.Invalid("line " + line + ": " + reason);
    }

    /**
     * Why {@code pattern} is not an mx pattern ({@code ["*."] Domain}, RFC 5321's Domain: labels of
     * letters, digits and hyphens, neither starting nor ending with a hyphen), or null.
     */
    static String patternProblem(String pattern) {
        String domain = pattern.startsWith("*.") ? pattern.substring(2) : pattern;
        String why = "mx \"" + pattern + "\" is not a host name nor *. and a domain";
        if (domain.isEmpty() || domain.length() > 253) return why;
        for (String label : domain.split("\\.", -1)) {
            if (label.isEmpty() || label.length() > 63 || label.startsWith("-") || label.endsWith("-")) return why;
            for (int i = 0; i < label.length(); i++) {
                char c = label.charAt(i);
                if (!(c >= 'a' && c <= 'z') && !(c >= 'A' && c <= 'Z') && !(c >= '0' && c <= '9') && c != '-') return why;
            }
        }
        return null;
    }

    /** sts-policy-ext-name (the known keys are of that form too). */
    private static boolean keyName(String key) {
        if (key.isEmpty() || key.length() > 32 || !alphanumeric(key.charAt(0))) return false;
        for (int i = 1; i < key.length(); i++) {
            char c = key.charAt(i);
            if (!alphanumeric(c) && c != '_' && c != '-' && c != '.') return false;
        }
        return true;
    }

    private static boolean alphanumeric(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    }

    /** The value after {@code key:}: sts-policy-field-delim is ":" then spaces or tabs. */
    private static String skipWsp(String s) {
        int at = 0;
        while (at < s.length() && (s.charAt(at) == ' ' || s.charAt(at) == '\t')) at++;
        return s.substring(at);
    }

    private static String stripTrailingWsp(String s) {
        int end = s.length();
        while (end > 0 && (s.charAt(end - 1) == ' ' || s.charAt(end - 1) == '\t')) end--;
        return s.substring(0, end);
    }
}
