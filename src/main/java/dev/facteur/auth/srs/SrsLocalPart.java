package dev.facteur.auth.srs;

import java.util.Optional;

/**
 * The content of a local part, read as an SRS address the way libsrs2 reads one:
 * <pre>
 *   SRS0 sep hash "=" stamp "=" host "=" user     user: all the rest, "=" included, maybe nothing
 *   SRS1 sep hash "=" host "=" tail                tail: the SRS0 local part after its tag
 * </pre>
 * The tag is matched in either case and {@code sep} may be {@code =}, {@code +} or {@code -}
 * (separators some MTAs or configurations use); what this package writes always has {@code =}.
 * A host cannot hold {@code =}, so the fields split on the first ones; a local part may, so the
 * user is the rest. A local part that does not begin with a tag and a separator is no SRS
 * address at all ({@link Plain}), whatever follows.
 */
sealed interface SrsLocalPart {

    String SEPARATORS = "=+-";
    char SEPARATOR = '=';

    /** An address made by a first forwarder; the bounce goes to {@code user@host}. */
    record Srs0(String hash, DayStamp stamp, String host, String user) implements SrsLocalPart {
        String text() {
            return "SRS0" + SEPARATOR + hash + SEPARATOR + stamp.text() + SEPARATOR + host + SEPARATOR + user;
        }
    }

    /** An SRS0 address re-forwarded: the bounce goes back to the first forwarder, {@code host}. */
    record Srs1(String hash, String host, String tail) implements SrsLocalPart {
        String text() {
            return "SRS1" + SEPARATOR + hash + SEPARATOR + host + SEPARATOR + tail;
        }

        /** The first forwarder's SRS0 local part, with the tag it had (in its case as written by us). */
        String srs0() {
            return "SRS0" + tail;
        }
    }

    /** Tagged as SRS, but not of the form: nobody's scheme made it. */
    record Malformed(String reason) implements SrsLocalPart {}

    /** An ordinary local part. */
    record Plain() implements SrsLocalPart {}

    static SrsLocalPart read(String content) {
        Optional<String> srs1 = tailAfter("SRS1", content);
        if (srs1.isPresent()) return readSrs1(srs1.get().substring(1));
        Optional<String> srs0 = tailAfter("SRS0", content);
        if (srs0.isPresent()) return readSrs0(srs0.get().substring(1));
        return new Plain();
    }

    /**
     * What follows the tag ({@code SRS0} or {@code SRS1}, either case) when a separator comes
     * next, the separator included. SRS1 keeps an SRS0 tail whole: it need not, and cannot,
     * check another forwarder's hash.
     */
    static Optional<String> tailAfter(String tag, String content) {
        if (content.length() <= tag.length()) return Optional.empty();
        // ASCII case only, as strncasecmp: String.regionMatches would take the long s (ſ) for an S
        String head = SrsHash.asciiLowercase(content.substring(0, tag.length()));
        if (!head.equals(SrsHash.asciiLowercase(tag)) || SEPARATORS.indexOf(content.charAt(tag.length())) < 0)
            return Optional.empty();
        return Optional.of(content.substring(tag.length()));
    }

    private static SrsLocalPart readSrs0(String fields) {
        String[] f = split(fields, 4);
        if (f.length < 4) return new Malformed("SRS0 address without hash, time stamp, domain and local part");
        if (f[0].length() != SrsHash.LENGTH) return new Malformed("SRS0 hash is not " + SrsHash.LENGTH + " characters");
        Optional<DayStamp> stamp = DayStamp.parse(f[1]);
        if (stamp.isEmpty()) return new Malformed("SRS0 time stamp is not 2 base32 characters");
        // The user may be empty: "" is a local part (RFC 5321 §4.1.2, Quoted-string), and the hash covers it.
        if (f[2].isEmpty()) return new Malformed("SRS0 address with an empty domain");
        return new Srs0(f[0], stamp.get(), f[2], f[3]);
    }

    private static SrsLocalPart readSrs1(String fields) {
        String[] f = split(fields, 3);
        if (f.length < 3) return new Malformed("SRS1 address without hash, domain and SRS0 part");
        if (f[0].length() != SrsHash.LENGTH) return new Malformed("SRS1 hash is not " + SrsHash.LENGTH + " characters");
        if (f[1].isEmpty() || f[2].isEmpty()) return new Malformed("SRS1 address with an empty domain or SRS0 part");
        return new Srs1(f[0], f[1], f[2]);
    }

    /** Splits on the first {@code parts - 1} separators; the last part keeps the rest. */
    private static String[] split(String s, int parts) {
        return s.split(String.valueOf(SEPARATOR), parts);
    }
}
