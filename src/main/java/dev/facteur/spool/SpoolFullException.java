package dev.facteur.spool;

import java.io.IOException;

/**
 * The spool's disk is full (ENOSPC) or its owner over quota (EDQUOT): the write that failed kept
 * nothing, and the spool takes writes again once there is room. Receivers answer it with
 * {@code 452 4.3.1} (RFC 5321 §4.2.2 "insufficient system storage", RFC 3463 "mail system full");
 * anything else the spool throws is a plain {@link IOException}, a local error ({@code 451 4.3.0}).
 */
public final class SpoolFullException extends IOException {

    public SpoolFullException(String message, Throwable cause) {
        super(message, cause);
    }

    public SpoolFullException(String message) {
        super(message);
    }

    /**
     * {@code e} itself, or a SpoolFullException around it when it says the disk is full. The JDK
     * gives no errno, only strerror(3)'s text, which is stable on Linux (glibc and musl agree).
     */
    static IOException classify(String what, IOException e) {
        if (e instanceof SpoolFullException) return e;
        String said = null; // the deepest cause's words: the system's, not a wrapper's
        for (Throwable t = e; t != null; t = t.getCause()) {
            String m = t.getMessage();
            if (m != null && (m.contains("No space left on device") || m.contains("Disk quota exceeded"))) said = m;
        }
        return said == null ? e : new SpoolFullException(what + ": the spool's disk is full (" + said + ")", e);
    }
}
