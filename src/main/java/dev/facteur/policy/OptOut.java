package dev.facteur.policy;

import dev.facteur.message.Mailbox;
import java.util.List;
import java.util.Locale;

/**
 * Recipients matched by patterns; as the pipeline's opt-out, the recipients who get their mail
 * whatever the checks before the end of DATA say: {@code postmaster}
 * (RFC 5321 §4.5.1: it must be accepted) and {@code abuse} (RFC 2142) of any domain, and the
 * configured addresses ({@code user@domain}), domains ({@code @domain}) and local parts
 * ({@code user@}).
 */
public final class OptOut {

    private final List<String> patterns;
    private final boolean sparesPostmaster;

    public OptOut(List<String> patterns) {
        this(patterns, true);
    }

    private OptOut(List<String> patterns, boolean sparesPostmaster) {
        this.sparesPostmaster = sparesPostmaster;
        for (String p : patterns) {
            int at = p.indexOf('@');
            if (at < 0 || p.indexOf('@', at + 1) >= 0 || p.equals("@"))
                throw new IllegalArgumentException("not user@domain, @domain or user@: " + p);
        }
        this.patterns = patterns.stream().map(p -> p.toLowerCase(Locale.ROOT)).toList();
    }

    public static final OptOut DEFAULT = new OptOut(List.of());

    /**
     * Nobody opts out: for the checks of the submission ports, which are about the user who
     * logged in (whose sender it is, how much they send), not about the recipient.
     */
    public static final OptOut NOBODY = new OptOut(List.of(), false);

    /** Whether the recipient opts out: postmaster and abuse always, and the configured ones. */
    public boolean covers(Mailbox rcpt) {
        String local = rcpt.localPart().toLowerCase(Locale.ROOT);
        return sparesPostmaster && (local.equals("postmaster") || local.equals("abuse")) || listed(rcpt);
    }

    /** Whether the recipient matches one of the configured patterns. */
    public boolean listed(Mailbox rcpt) {
        String local = rcpt.localPart().toLowerCase(Locale.ROOT);
        String domain = rcpt.domainKey();
        for (String p : patterns) {
            if (p.startsWith("@") ? p.substring(1).equals(domain)
                    : p.endsWith("@") ? p.equals(local + "@")
                    : p.equals(local + "@" + domain)) return true;
        }
        return false;
    }
}
