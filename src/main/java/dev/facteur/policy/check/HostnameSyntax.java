package dev.facteur.policy.check;

/**
 * Whether a text is a host name as RFC 1123 §2.1 and RFC 5321 §4.1.2 write one: dot-separated
 * labels of 1 to 63 letters, digits and hyphens, no hyphen at either end of a label, 253
 * characters at most, and a last label that is not all digits (RFC 3696 §2), so that no address
 * passes for a name. Underscores are let through, as Postfix does: Windows hosts put them in
 * their names, and refusing mail for it helps nobody.
 */
final class HostnameSyntax {

    static final int MAX_LENGTH = 253; // 255 octets on the wire (RFC 1035 §2.3.4), less the first length and the root

    private HostnameSyntax() {}

    /** Null for a valid name, else what is wrong with it. */
    static String problem(String name) {
        if (name.isEmpty()) return "empty";
        if (name.length() > MAX_LENGTH) return "longer than " + MAX_LENGTH + " characters";
        int labelStart = 0;
        boolean digitsOnly = true;
        for (int i = 0; i <= name.length(); i++) {
            char c = i < name.length() ? name.charAt(i) : '.';
            if (c == '.') {
                int length = i - labelStart;
                if (length == 0) return i == name.length() ? "ends with a dot" : "an empty label";
                if (length > 63) return "a label longer than 63 characters";
                if (name.charAt(labelStart) == '-' || name.charAt(i - 1) == '-') return "a label begins or ends with a hyphen";
                if (i == name.length() && digitsOnly) return "all-numeric last label";
                labelStart = i + 1;
                digitsOnly = true;
            } else if (c >= '0' && c <= '9') {
                // digits are fine anywhere; an all-digit last label is not
            } else if (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '-' || c == '_') {
                digitsOnly = false;
            } else {
                return "the character \"" + c + "\" is not allowed";
            }
        }
        return null;
    }
}
