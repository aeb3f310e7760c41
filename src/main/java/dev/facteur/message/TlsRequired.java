package dev.facteur.message;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;

/**
 * The RFC 8689 §3 {@code TLS-Required} header field: {@code "TLS-Required:" [FWS] "No" CRLF}.
 * A message that carries it asks to be sent "regardless of its ability to negotiate STARTTLS",
 * ignoring the recipient domain's MTA-STS and DANE policies, though STARTTLS is still to be tried.
 *
 * <p>"No" is the field's only value. As ABNF strings are, the name and the value are
 * case-insensitive; folding and white space around the value are tolerated. §3 says "More than
 * one instance of the TLS-Required header field MUST NOT appear in a given message": a message
 * with several is taken as not asking, since the request weakens the recipient's policy and a
 * malformed message should not be able to do that. Nor does the field count when the message
 * came with the REQUIRETLS MAIL parameter ({@link Envelope#requireTls}): §4.1 says it "MUST be
 * ignored" then; that is the caller's to check.
 */
public final class TlsRequired {

    /** How much of a message's header is read to look for the field. */
    public static final int MAX_HEADER = 1 << 20;

    private TlsRequired() {}

    /** Whether the header section (RFC 5322 §2.2, CRLF line ends) carries exactly one {@code TLS-Required: No}. */
    public static boolean saysNo(String headerSection) {
        return saysNo(HeaderSection.fields(headerSection));
    }

    /** Whether these header fields ({@link HeaderSection#fields}) hold exactly one {@code TLS-Required: No}. */
    public static boolean saysNo(List<String> fields) {
        String only = null;
        for (String f : fields) {
            if (!HeaderSection.name(f).equals("tls-required")) continue;
            if (only != null) return false; // two instances: see the class comment
            only = f;
        }
        return only != null && withoutFws(HeaderSection.value(only)).equalsIgnoreCase("No");
    }

    /** Reads the header of a stored message (CRLF line ends) from {@code content} and tells {@link #saysNo(String)}. */
    public static boolean saysNo(InputStream content) throws IOException {
        return saysNo(HeaderSection.read(content, MAX_HEADER));
    }

    /**
     * The value without the FWS before it (RFC 5322 §3.2.2: white space, or CRLF followed by
     * white space) and the white space and CRLF after it; what is inside is left as it is, so
     * {@code N o} is no {@code No}.
     */
    private static String withoutFws(String value) {
        int from = 0, to = value.length();
        while (from < to && isFws(value.charAt(from))) from++;
        while (to > from && isFws(value.charAt(to - 1))) to--;
        return value.substring(from, to);
    }

    private static boolean isFws(char c) {
        return c == ' ' || c == '\t' || c == '\r' || c == '\n';
    }
}
