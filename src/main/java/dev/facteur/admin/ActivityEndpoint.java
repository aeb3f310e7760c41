package dev.facteur.admin;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.facteur.activity.Activity;
import dev.facteur.activity.Bucket;
import dev.facteur.activity.FailingDestination;
import dev.facteur.activity.Report;
import java.io.IOException;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code GET /api/activity?hours=6}: the last hours of {@link Activity}, for the dashboard's charts
 * and its failing destinations (the shape is in {@code docs/dashboard.md} and
 * {@code docs/openapi.yaml}). {@code hours} from 1 to 24, 6 when not given.
 */
final class ActivityEndpoint implements HttpHandler {

    static final int DEFAULT_HOURS = 6;
    private static final JsonMapper JSON = new JsonMapper();

    private final Activity activity;

    ActivityEndpoint(Activity activity) {
        this.activity = activity;
    }

    @Override
    public void handle(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getPath();
        if (!path.equals("/api/activity")) {
            AdminServer.reply(ex, 404, false, "no such resource: " + path);
            return;
        }
        if (!ex.getRequestMethod().equals("GET")) {
            ex.getResponseHeaders().set("Allow", "GET");
            AdminServer.reply(ex, 405, false, "use GET");
            return;
        }
        String hours = AdminServer.query(ex.getRequestURI().getRawQuery()).getOrDefault("hours", String.valueOf(DEFAULT_HOURS));
        int h;
        try {
            h = Integer.parseInt(hours);
        } catch (NumberFormatException e) {
            h = 0;
        }
        if (h < 1 || h > Activity.MAX_HOURS) {
            AdminServer.reply(ex, 400, false, "hours is a whole number from 1 to " + Activity.MAX_HOURS + ": " + hours);
            return;
        }
        byte[] body = JSON.writeValueAsBytes(json(activity.last(h)));
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.getResponseHeaders().set("Cache-Control", "no-store");
        ex.sendResponseHeaders(200, body.length);
        try (var out = ex.getResponseBody()) {
            out.write(body);
        }
    }

    static ObjectNode json(Report r) {
        ObjectNode o = JSON.createObjectNode().put("bucket_seconds", r.bucket().toSeconds());
        ArrayNode buckets = o.putArray("buckets");
        for (Bucket b : r.buckets())
            buckets.addObject().put("start", b.start().toString()).put("accepted", b.accepted()).put("delivered", b.delivered())
                    .put("deferred", b.deferred()).put("bounced", b.bounced()).put("expired", b.expired());
        ArrayNode failing = o.putArray("failing");
        for (FailingDestination f : r.failing())
            failing.addObject().put("domain", f.domain()).put("failures", f.failures()).put("last_reply", f.lastReply())
                    .put("last_at", f.lastAt().toString());
        return o;
    }
}
