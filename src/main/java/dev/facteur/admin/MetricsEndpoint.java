package dev.facteur.admin;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.facteur.metrics.Metrics;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * {@code GET /metrics}: every meter in Prometheus's text exposition format, for a Prometheus
 * server to scrape (see {@code docs/metrics.md}). {@code HEAD} says the same without the body.
 */
final class MetricsEndpoint implements HttpHandler {

    private final Metrics metrics;

    MetricsEndpoint(Metrics metrics) {
        this.metrics = metrics;
    }

    @Override
    public void handle(HttpExchange ex) throws IOException {
        String method = ex.getRequestMethod();
        if (!method.equals("GET") && !method.equals("HEAD")) {
            ex.getResponseHeaders().set("Allow", "GET, HEAD");
            AdminServer.reply(ex, 405, false, "use GET");
            return;
        }
        if (!ex.getRequestURI().getPath().equals("/metrics")) {
            AdminServer.reply(ex, 404, false, "no such page: " + ex.getRequestURI().getPath());
            return;
        }
        byte[] body = metrics.scrape().getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", Metrics.CONTENT_TYPE);
        if (method.equals("HEAD")) {
            ex.sendResponseHeaders(200, -1);
            ex.close();
            return;
        }
        ex.sendResponseHeaders(200, body.length);
        try (var out = ex.getResponseBody()) {
            out.write(body);
        }
    }
}
