package dev.facteur.bounce;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An RFC 3463 enhanced mail system status code, {@code class "." subject "." detail}: class 2 is
 * success, 4 a persistent transient failure, 5 a permanent failure; the subject says where the
 * trouble is (1 address, 2 mailbox, 3 mail system, 4 network and routing, 5 protocol, 6 content,
 * 7 security or policy) and the detail what it is.
 */
public record StatusCode(int codeClass, int subject, int detail) {

    /*
     * In running text: not inside a longer dotted number (an IP address, a version such as
     * "MOS 4.4.4b"), which is what the look-behind and look-ahead keep out. RFC 3463 §2 allows
     * up to three digits for subject and detail.
     */
    private static final Pattern IN_TEXT = Pattern.compile("(?<![\\w.])([245])\\.(\\d{1,3})\\.(\\d{1,3})(?!\\w|\\.\\d)");

    public StatusCode {
        if (codeClass != 2 && codeClass != 4 && codeClass != 5) throw new IllegalArgumentException("class must be 2, 4 or 5: " + codeClass);
        if (subject < 0 || subject > 999 || detail < 0 || detail > 999) throw new IllegalArgumentException("subject and detail have 1 to 3 digits");
    }

    /** The code a Status field gives (RFC 3464 §2.3.4), ignoring a comment after it, e.g. {@code 5.1.1 (user unknown)}. */
    public static Optional<StatusCode> parse(String value) {
        if (value == null) return Optional.empty();
        Matcher m = IN_TEXT.matcher(value.strip());
        return m.lookingAt() ? Optional.of(of(m)) : Optional.empty();
    }

    /** The first code written in free text, e.g. the {@code 5.1.1} of {@code 550 5.1.1 <bob@example.org>: user unknown}. */
    public static Optional<StatusCode> find(String text) {
        if (text == null) return Optional.empty();
        Matcher m = IN_TEXT.matcher(text);
        return m.find() ? Optional.of(of(m)) : Optional.empty();
    }

    /** The codes written in free text, in order: a reply may quote a relay's code after its own. */
    static List<StatusCode> findAll(String text) {
        List<StatusCode> out = new ArrayList<>();
        if (text == null) return out;
        Matcher m = IN_TEXT.matcher(text);
        while (m.find() && out.size() < 20) out.add(of(m));
        return out;
    }

    /** How much a code says: 0 for X.0.0, 1 for a subject with detail 0 (X.1.0), 2 for a full code. */
    int specificity() {
        return subject == 0 && detail == 0 ? 0 : detail == 0 ? 1 : 2;
    }

    private static StatusCode of(Matcher m) {
        return new StatusCode(m.group(1).charAt(0) - '0', Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3)));
    }

    public boolean isSuccess() {
        return codeClass == 2;
    }

    public boolean isTransient() {
        return codeClass == 4;
    }

    public boolean isPermanent() {
        return codeClass == 5;
    }

    /** {@code X.0.0}: "other undefined status", which says nothing beyond its class (RFC 3463 §3.1). */
    public boolean isUndefined() {
        return subject == 0 && detail == 0;
    }

    @Override
    public String toString() {
        return codeClass + "." + subject + "." + detail;
    }
}
