package dev.facteur.bounce;

/**
 * How much of a message {@link ReportParser} reads, whatever the message says: reports come from
 * anyone who can send mail, so size and structure are bounded here rather than trusted.
 *
 * @param maxBytes      bytes read from the start of the message; the rest is not looked at. A
 *                      report puts its machine-readable parts first, before the returned
 *                      message, which is where large messages are large.
 * @param maxParts      MIME parts read in all, nested ones included
 * @param maxDepth      how deeply multiparts and returned messages may nest
 * @param maxRecipients recipients reported from one bounce
 * @param maxTextChars  characters of human-readable text searched for recipients and reasons
 *                      when a bounce is no DSN
 */
public record ReportLimits(int maxBytes, int maxParts, int maxDepth, int maxRecipients, int maxTextChars) {

    /** 2 MiB, 100 parts, 8 levels, 1000 recipients, 64 Ki characters of text. */
    public static final ReportLimits DEFAULT = new ReportLimits(2 * 1024 * 1024, 100, 8, 1000, 64 * 1024);

    public ReportLimits {
        if (maxBytes < 1 || maxParts < 1 || maxDepth < 1 || maxRecipients < 1 || maxTextChars < 1)
            throw new IllegalArgumentException("every limit must be at least 1");
    }
}
