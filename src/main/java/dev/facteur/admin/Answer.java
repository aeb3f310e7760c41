package dev.facteur.admin;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** What an {@code /api/} endpoint answers; {@link #send} is the one place that writes it. */
sealed interface Answer {

    JsonMapper JSON = new JsonMapper();

    /** A JSON document. */
    record Json(int status, JsonNode body) implements Answer {}

    /** Bytes streamed as they are read, of a known type: a stored message, the OpenAPI description. */
    record Stream(String contentType, InputStream body) implements Answer {}

    /** Text written as it is made, of a known type: a listing of the whole queue. */
    record Written(String contentType, Body body) implements Answer {}

    /** What writes a {@link Written} answer to the response. */
    interface Body {
        void writeTo(OutputStream out) throws IOException;
    }

    /** {@code {"ok": false, "message": ...}} with an error status. */
    static Answer refused(int status, String message) {
        return new Json(status, JSON.valueToTree(Map.of("ok", false, "message", message)));
    }

    /** {@code {"ok": true, "message": ...}}. */
    static Answer done(String message) {
        return new Json(200, JSON.valueToTree(Map.of("ok", true, "message", message)));
    }

    static void send(HttpExchange ex, Answer a) throws IOException {
        switch (a) {
            case Json(int status, JsonNode body) -> {
                byte[] bytes = JSON.writeValueAsBytes(body);
                ex.getResponseHeaders().set("Content-Type", "application/json");
                ex.sendResponseHeaders(status, bytes.length);
                try (var out = ex.getResponseBody()) {
                    out.write(bytes);
                }
            }
            case Written(String type, Body body) -> {
                try (var out = ex.getResponseBody()) {
                    ex.getResponseHeaders().set("Content-Type", type);
                    ex.sendResponseHeaders(200, 0); // chunked, written as it is made
                    body.writeTo(out);
                }
            }
            case Stream(String type, InputStream body) -> {
                try (body; var out = ex.getResponseBody()) {
                    ex.getResponseHeaders().set("Content-Type", type);
                    ex.sendResponseHeaders(200, 0); // chunked: a large message is never held in memory whole
                    body.transferTo(out);
                }
            }
        }
    }
}
