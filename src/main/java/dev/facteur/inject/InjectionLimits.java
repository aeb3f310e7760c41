package dev.facteur.inject;

/**
 * What one request of the injection API may ask for. Everything a client sends is bounded: the
 * request's size (which bounds every string and list in it), the recipients, the header fields
 * and variables, each header value as filled in, and each message as filled in, measured before
 * it is made (a short template naming a long value many times could otherwise make gigabytes).
 *
 * @param maxRequestBytes   the request body, in octets (413 beyond)
 * @param maxRecipients     entries in {@code to}
 * @param maxHeaders        entries in {@code headers}
 * @param maxVariables      variables in {@code variables}, and in each recipient's
 * @param maxHeaderValue    a header value or subject as filled in, in characters
 * @param maxMessageChars   a message's subject, text and html as filled in, in characters; the
 *                          server's own size limit ({@code [smtp] max_message_size}) still applies
 *                          to the octets sent
 */
public record InjectionLimits(long maxRequestBytes, int maxRecipients, int maxHeaders, int maxVariables, int maxHeaderValue,
        long maxMessageChars) {

    public static final long MIN_REQUEST_BYTES = 10L << 20;
    public static final int MAX_RECIPIENTS = 1000;
    public static final int MAX_HEADERS = 100;
    public static final int MAX_VARIABLES = 100;
    public static final int MAX_HEADER_VALUE = 4096;

    public InjectionLimits {
        if (maxRequestBytes < 1 || maxRecipients < 1 || maxHeaders < 0 || maxVariables < 0 || maxHeaderValue < 1 || maxMessageChars < 1)
            throw new IllegalArgumentException("injection limits must be positive");
    }

    /**
     * The limits for a server that takes messages of up to {@code maxMessageSize} octets: a
     * request may be twice that (a raw message in JSON, its line ends escaped, or in base64),
     * and at least {@value #MIN_REQUEST_BYTES} octets.
     */
    public static InjectionLimits forMessageSize(long maxMessageSize) {
        return new InjectionLimits(Math.max(MIN_REQUEST_BYTES, 2 * maxMessageSize + (64 << 10)), MAX_RECIPIENTS, MAX_HEADERS,
                MAX_VARIABLES, MAX_HEADER_VALUE, maxMessageSize);
    }
}
