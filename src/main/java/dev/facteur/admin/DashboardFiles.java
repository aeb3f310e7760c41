package dev.facteur.admin;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * {@code GET /dashboard/}: the dashboard's page, script and style sheet, read from the jar once.
 * They hold no data, so no token is asked for; the page asks the user for one and sends it with
 * each {@code /api/} request. Only the files named here are served (no path is ever resolved
 * against a folder), each with its type and a Content-Security-Policy that lets the page load
 * and connect to nothing but this server, and run no inline script: whatever text the API
 * returns (a remote server's reply, a sender's address) cannot become code.
 */
final class DashboardFiles implements HttpHandler {

    static final String PREFIX = "/dashboard/";
    static final String POLICY = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
            + "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    private record File(String type, byte[] content) {}

    private final Map<String, File> files = Map.of(
            "", load("index.html", "text/html; charset=utf-8"),
            "app.js", load("app.js", "text/javascript; charset=utf-8"),
            "style.css", load("style.css", "text/css; charset=utf-8"));

    private static File load(String name, String type) {
        try (InputStream in = DashboardFiles.class.getResourceAsStream("dashboard/" + name)) {
            if (in == null) throw new IllegalStateException("dashboard/" + name + " is missing from the jar");
            return new File(type, in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void handle(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getPath();
        String method = ex.getRequestMethod();
        if (!method.equals("GET") && !method.equals("HEAD")) {
            ex.getResponseHeaders().set("Allow", "GET, HEAD");
            AdminServer.reply(ex, 405, false, "use GET");
            return;
        }
        if (path.equals("/dashboard")) { // relative URLs in the page need the slash
            ex.getResponseHeaders().set("Location", PREFIX);
            ex.sendResponseHeaders(301, -1);
            ex.close();
            return;
        }
        File f = path.startsWith(PREFIX) ? files.get(path.substring(PREFIX.length())) : null;
        if (f == null) {
            AdminServer.reply(ex, 404, false, "no such file: " + path);
            return;
        }
        var h = ex.getResponseHeaders();
        h.set("Content-Type", f.type());
        h.set("Content-Security-Policy", POLICY);
        h.set("X-Content-Type-Options", "nosniff");
        h.set("Referrer-Policy", "no-referrer");
        h.set("Cache-Control", "no-cache"); // revalidated, so that an upgraded server serves its own page
        if (method.equals("HEAD")) {
            h.set("Content-Length", String.valueOf(f.content().length));
            ex.sendResponseHeaders(200, -1);
            ex.close();
            return;
        }
        ex.sendResponseHeaders(200, f.content().length);
        try (var out = ex.getResponseBody()) {
            out.write(f.content());
        }
    }
}
