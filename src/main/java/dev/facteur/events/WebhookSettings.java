package dev.facteur.events;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;

/**
 * Where the events are posted, and how.
 *
 * @param url        the receiver, {@code http} or {@code https}
 * @param secret     the key of the {@code Facteur-Signature} (HMAC-SHA256), shared with the
 *                   receiver; its UTF-8 bytes are the key
 * @param batchSize  the most events in one POST
 * @param timeout    for one POST, from connecting to the end of the answer
 * @param firstRetry the wait after the first failure, doubled after each further one...
 * @param maxRetry   ...up to this; each wait is drawn between its half and itself (jitter), so that
 *                   several Facteurs do not come back at the same moment
 */
public record WebhookSettings(URI url, String secret, int batchSize, Duration timeout, Duration firstRetry, Duration maxRetry) {

    public static final int DEFAULT_BATCH_SIZE = 100;
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);
    public static final Duration DEFAULT_FIRST_RETRY = Duration.ofSeconds(1);
    public static final Duration DEFAULT_MAX_RETRY = Duration.ofMinutes(5);
    /** 128 bits, if the secret is random letters and digits; shorter ones are guessable offline from one signed request. */
    static final int MIN_SECRET_BYTES = 16;

    public WebhookSettings {
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(secret, "secret");
        String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
        if (!url.isAbsolute() || !(scheme.equals("http") || scheme.equals("https")) || url.getHost() == null)
            throw new IllegalArgumentException("the webhook must be an http or https URL with a host: " + url);
        if (secret.getBytes(StandardCharsets.UTF_8).length < MIN_SECRET_BYTES)
            throw new IllegalArgumentException("the webhook secret must be at least " + MIN_SECRET_BYTES + " bytes");
        if (batchSize < 1 || batchSize > 1000) throw new IllegalArgumentException("batch size must be between 1 and 1000: " + batchSize);
        if (timeout.isNegative() || timeout.isZero() || timeout.compareTo(Duration.ofMinutes(5)) > 0)
            throw new IllegalArgumentException("the webhook timeout must be positive and at most 5m: " + timeout);
        if (firstRetry.isNegative() || firstRetry.isZero()) throw new IllegalArgumentException("the first retry must be after a positive time: " + firstRetry);
        if (maxRetry.compareTo(firstRetry) < 0 || maxRetry.compareTo(Duration.ofHours(1)) > 0)
            throw new IllegalArgumentException("the longest wait between retries must be between the first (" + firstRetry + ") and 1h: " + maxRetry);
    }

    /** The defaults, posting to {@code url} signed with {@code secret}. */
    public static WebhookSettings to(URI url, String secret) {
        return new WebhookSettings(url, secret, DEFAULT_BATCH_SIZE, DEFAULT_TIMEOUT, DEFAULT_FIRST_RETRY, DEFAULT_MAX_RETRY);
    }

    public WebhookSettings withBatchSize(int events) {
        return new WebhookSettings(url, secret, events, timeout, firstRetry, maxRetry);
    }

    public WebhookSettings withTimeout(Duration perPost) {
        return new WebhookSettings(url, secret, batchSize, perPost, firstRetry, maxRetry);
    }

    public WebhookSettings withRetries(Duration first, Duration max) {
        return new WebhookSettings(url, secret, batchSize, timeout, first, max);
    }

    /** Without the secret: settings end up in log lines and error messages. */
    @Override
    public String toString() {
        return "WebhookSettings[url=" + url + ", secret=(" + secret.length() + " characters), batchSize=" + batchSize
                + ", timeout=" + timeout + ", firstRetry=" + firstRetry + ", maxRetry=" + maxRetry + "]";
    }
}
