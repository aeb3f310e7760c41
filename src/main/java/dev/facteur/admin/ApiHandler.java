package dev.facteur.admin;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Everything under {@code /api/}: finds the route a request's method and path name and hands it
 * the path's variables and query. An unknown path is 404, a known one asked with another method
 * 405. An endpoint reads its request before it acts, and throws {@link IllegalArgumentException}
 * for what the request got wrong: that is 400 with the reason, and nothing was done.
 */
final class ApiHandler implements HttpHandler {

    /** Answers one route. */
    @FunctionalInterface
    interface Endpoint {
        Answer answer(Request request) throws IOException;
    }

    /** A request as an endpoint sees it: the path's {@code {variables}} and the query. */
    record Request(Map<String, String> path, Query query) {
        Request {
            path = Map.copyOf(path);
        }

        String path(String name) {
            return path.get(name);
        }
    }

    /**
     * One route: {@code template} is a path whose segments in braces match any one segment, as
     * OpenAPI writes paths ({@code /api/queue/{id}/content}), so that a test can check each route
     * against {@code docs/openapi.yaml}.
     */
    record Route(String method, String template, Endpoint endpoint) {

        /** The variables of {@code path} when it fits the template; null when not. */
        Map<String, String> match(String path) {
            String[] want = template.split("/", -1);
            String[] got = path.split("/", -1);
            if (want.length != got.length) return null;
            Map<String, String> vars = new LinkedHashMap<>();
            for (int i = 0; i < want.length; i++) {
                if (want[i].startsWith("{") && want[i].endsWith("}")) {
                    if (got[i].isEmpty()) return null;
                    vars.put(want[i].substring(1, want[i].length() - 1), got[i]);
                } else if (!want[i].equals(got[i])) {
                    return null;
                }
            }
            return vars;
        }
    }

    private final List<Route> routes;

    /** {@code routes} are tried in order: a fixed path goes before a template it also fits. */
    ApiHandler(List<Route> routes) {
        this.routes = List.copyOf(routes);
    }

    List<Route> routes() {
        return routes;
    }

    @Override
    public void handle(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getPath();
        String method = ex.getRequestMethod();
        List<String> allowed = new ArrayList<>();
        for (Route r : routes) {
            Map<String, String> vars = r.match(path);
            if (vars == null) continue;
            if (!r.method().equals(method)) {
                allowed.add(r.method());
                continue;
            }
            Answer a;
            try {
                a = r.endpoint().answer(new Request(vars, Query.parse(ex.getRequestURI().getRawQuery())));
            } catch (IllegalArgumentException e) {
                a = Answer.refused(400, e.getMessage());
            }
            Answer.send(ex, a);
            return;
        }
        if (allowed.isEmpty()) {
            Answer.send(ex, Answer.refused(404, "no such resource: " + path));
            return;
        }
        String allow = allowed.stream().distinct().collect(Collectors.joining(", "));
        ex.getResponseHeaders().set("Allow", allow);
        Answer.send(ex, Answer.refused(405, "use " + allow));
    }
}
