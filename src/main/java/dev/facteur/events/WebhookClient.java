package dev.facteur.events;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodySubscribers;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Posts one batch to the receiver and says what became of it. The whole exchange, from connecting
 * to the end of the answer, has {@code timeout}: a receiver that accepts the connection and never
 * answers costs one timeout, not the sender. Redirects are not followed (a POST moved elsewhere is
 * a configuration to fix, not to guess), and an answer's body is read only as far as a log line needs.
 */
final class WebhookClient implements AutoCloseable {

    private static final int EXCERPT_BYTES = 200;

    /** What the receiver made of a batch. */
    sealed interface Answer {
        /** 2xx: the receiver has the events. */
        record Accepted(int status) implements Answer {}

        /**
         * A 4xx other than 408 and 429: the receiver says the request is wrong (a bad signature, a
         * body it does not parse), which trying again as it is will not change.
         */
        record Refused(int status, String body) implements Answer {}

        /** No answer, or one that says to try again later (5xx, 408, 429, 3xx). */
        record Failed(String why, Optional<Duration> retryAfter) implements Answer {}
    }

    private final URI url;
    private final Duration timeout;
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
    private final HttpClient http;

    WebhookClient(URI url, Duration timeout) {
        this.url = url;
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().connectTimeout(timeout).followRedirects(HttpClient.Redirect.NEVER)
                .executor(threads).build();
    }

    /** POSTs {@code body} (a JSON array) with {@code signature} as its {@code Facteur-Signature}. */
    Answer post(byte[] body, String signature) throws InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(url).timeout(timeout)
                .header("Content-Type", "application/json")
                .header("User-Agent", "Facteur")
                .header(Signature.HEADER, signature)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
        var excerpt = new ByteArrayOutputStream();
        CompletableFuture<HttpResponse<Void>> exchange = http.sendAsync(request, info -> BodySubscribers.ofByteArrayConsumer(
                chunk -> chunk.ifPresent(b -> excerpt.write(b, 0, Math.min(b.length, Math.max(0, EXCERPT_BYTES - excerpt.size()))))));
        HttpResponse<Void> response;
        try {
            // The request's own timeout ends at the answer's head; this one covers its body too.
            response = exchange.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            exchange.cancel(true);
            return new Answer.Failed("no answer within " + timeout, Optional.empty());
        } catch (InterruptedException e) {
            exchange.cancel(true);
            throw e;
        } catch (ExecutionException e) {
            return new Answer.Failed(describe(e.getCause()), Optional.empty());
        }
        int status = response.statusCode();
        String text = excerpt.toString(StandardCharsets.UTF_8).strip().replaceAll("\\s+", " ");
        if (status / 100 == 2) return new Answer.Accepted(status);
        if (status / 100 == 4 && status != 408 && status != 429) return new Answer.Refused(status, text);
        return new Answer.Failed("HTTP " + status + (text.isEmpty() ? "" : ": " + text), retryAfter(response));
    }

    private String describe(Throwable e) {
        if (e instanceof HttpTimeoutException) return "no answer within " + timeout;
        if (e instanceof ConnectException) return "cannot connect" + (e.getMessage() == null ? "" : ": " + e.getMessage());
        if (e instanceof IOException && e.getMessage() != null) return e.getMessage();
        return e.toString();
    }

    /** RFC 9110 §10.2.3, the delay-seconds form (the date form is rare from an API, and ignored). */
    private static Optional<Duration> retryAfter(HttpResponse<?> response) {
        return response.headers().firstValue("Retry-After").flatMap(v -> {
            try {
                long seconds = Long.parseLong(v.strip());
                return seconds >= 0 ? Optional.of(Duration.ofSeconds(seconds)) : Optional.empty();
            } catch (NumberFormatException e) {
                return Optional.empty();
            }
        });
    }

    /** Ends the exchange under way, if any: its {@link #post} returns a failure at once. */
    @Override
    public void close() {
        http.shutdownNow();
        threads.shutdownNow();
    }
}
