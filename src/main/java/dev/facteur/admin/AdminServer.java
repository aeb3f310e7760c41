package dev.facteur.admin;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import dev.facteur.activity.Activity;
import dev.facteur.bounce.SenderRates;
import dev.facteur.bounce.Suppressions;
import dev.facteur.history.HistoryReader;
import dev.facteur.inject.Injection;
import dev.facteur.message.AddressSyntax;
import dev.facteur.message.Mailbox;
import dev.facteur.message.QueueId;
import dev.facteur.metrics.Metrics;
import dev.facteur.message.ReversePath;
import dev.facteur.net.HostPort;
import dev.facteur.policy.Pipeline;
import dev.facteur.queue.QueueManager;
import dev.facteur.spool.Spool;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.function.Function;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code POST /queue/{flush,hold,release,delete,bounce}?id=QUEUEID} (flush also takes
 * {@code domain=}, or nothing for everything), {@code GET /policy/explain} (what the checks would
 * decide, changing nothing), the suppression list under {@code /suppression/}
 * ({@link SuppressionEndpoints}), {@code POST /messages} for applications that send mail
 * ({@link MessagesEndpoint}), {@code GET /metrics} for Prometheus ({@link MetricsEndpoint}),
 * {@code POST /reload} once the server gives its reload ({@link ReloadEndpoint}) and
 * {@code GET /health}. Answers
 * {@code {"ok": true|false, "message": "..."}}.
 *
 * The queue's JSON API is under {@code /api/} ({@link #serveQueueApi}).
 *
 * <p>Every {@code /api/}, {@code /queue/}, {@code /policy/}, {@code /suppression/}, {@code /messages} and {@code /reload} request needs {@code Authorization: Bearer TOKEN} with a token from
 * the token file ({@link TokenFile}), since any local user can reach a loopback port; a
 * {@code read} token may GET, an {@code operate} token may also change things ({@link BearerAuth}).
 * {@code /health} stays open: supervisors and monitors probe it without a secret, and it says
 * no more than the open port does. {@code /metrics} needs the token too unless
 * {@code [admin] metrics_public} opens it: Prometheus sends a bearer token as easily, and the
 * counts say something about the traffic (volumes, the destinations mail goes to).
 */
public final class AdminServer implements AutoCloseable {

    private final HttpServer http;
    private final BearerAuth auth;
    private final Path tokenFile;
    /** The paths given to {@link HttpServer#createContext}, in order: what the OpenAPI test checks is described. */
    private final List<String> contexts = new CopyOnWriteArrayList<>();
    /** What answers under {@code /api/}; null until {@link #serveQueueApi}. */
    private volatile ApiHandler api;
    /** What {@code /policy/explain} asks: a reload replaces it (null: no checks). */
    private volatile Pipeline policy;
    private static final JsonMapper JSON = new JsonMapper();

    /**
     * Binds {@code listen}; reads the tokens from {@code tokenFile}, creating it with a random
     * token when missing, and refuses to start when other users could read or change it.
     */
    public AdminServer(HostPort listen, Path tokenFile, QueueManager queue) throws IOException {
        this(listen, tokenFile, queue, null);
    }

    /** With {@code GET /policy/explain} answered by {@code policy} (null: no checks are configured). */
    public AdminServer(HostPort listen, Path tokenFile, QueueManager queue, Pipeline policy) throws IOException {
        this(listen, tokenFile, queue, policy, null);
    }

    /** With the suppression list under {@code /suppression/} ({@code suppressions} null: the server keeps none). */
    public AdminServer(HostPort listen, Path tokenFile, QueueManager queue, Pipeline policy, Suppressions suppressions) throws IOException {
        this(listen, tokenFile, queue, policy, suppressions, null, null);
    }

    /** With the sender domains' rates at {@code /suppression/rates} ({@code rates} null: none counted). */
    public AdminServer(HostPort listen, Path tokenFile, QueueManager queue, Pipeline policy, Suppressions suppressions, SenderRates rates)
            throws IOException {
        this(listen, tokenFile, queue, policy, suppressions, rates, null);
    }

    /** With {@code POST /messages}, the injection API ({@link MessagesEndpoint}), submitting through {@code injection} (null: none). */
    public AdminServer(HostPort listen, Path tokenFile, QueueManager queue, Pipeline policy, Suppressions suppressions,
            Injection injection) throws IOException {
        this(listen, tokenFile, queue, policy, suppressions, null, injection);
    }

    /** Everything: the suppression list with its rates, and the injection API. */
    public AdminServer(HostPort listen, Path tokenFile, QueueManager queue, Pipeline policy, Suppressions suppressions, SenderRates rates,
            Injection injection) throws IOException {
        this.tokenFile = tokenFile;
        auth = new BearerAuth(TokenFile.loadOrCreate(tokenFile));
        this.policy = policy;
        try {
            http = HttpServer.create(new InetSocketAddress(listen.host(), listen.port()), 50);
        } catch (IOException e) {
            throw new IOException("cannot listen on " + listen + " for the admin interface ([admin] listen): " + e.getMessage(), e);
        }
        http.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        context("/health", ex -> reply(ex, 200, true, "ok"), false);
        context("/queue/", ex -> {
            if (!ex.getRequestMethod().equals("POST")) {
                reply(ex, 405, false, "use POST");
                return;
            }
            String verb = ex.getRequestURI().getPath().substring("/queue/".length());
            Map<String, String> q = query(ex.getRequestURI().getRawQuery());
            Function<QueueId, QueueManager.CommandResult> byId = switch (verb) {
                case "hold" -> queue::hold;
                case "release" -> queue::release;
                case "delete" -> queue::delete;
                case "bounce" -> queue::bounce;
                case "flush" -> queue::flush;
                default -> null;
            };
            if (byId == null) {
                reply(ex, 404, false, "unknown command " + verb);
                return;
            }
            QueueManager.CommandResult r;
            if (verb.equals("flush") && !q.containsKey("id")) {
                r = queue.flushAll(q.get("domain"));
            } else {
                QueueId id;
                try {
                    id = QueueId.parse(q.getOrDefault("id", ""));
                } catch (IllegalArgumentException e) {
                    reply(ex, 400, false, e.getMessage());
                    return;
                }
                r = byId.apply(id);
            }
            reply(ex, r.ok() ? 200 : 409, r.ok(), r.message());
        }, true);
        context("/policy/explain", ex -> explain(ex, this.policy), true);
        context("/suppression/", new SuppressionEndpoints(suppressions, rates), true);
        context("/messages", new MessagesEndpoint(injection), true);
    }

    /** Serves {@code path} by {@code handler}, behind the token when {@code guarded}. */
    private void context(String path, HttpHandler handler, boolean guarded) {
        var c = http.createContext(path, handler);
        if (guarded) c.getFilters().add(auth);
        contexts.add(path);
    }

    /**
     * The queue's JSON API under {@code /api/} ({@link QueueEndpoints}) and its description,
     * {@code GET /api/openapi.yaml}: every request with a token, a read token for GET.
     *
     * @param history     the delivery history's folder, read as {@code facteur trace} reads it
     * @param historyKept whether {@code [history]} is on: a message's events are shown only then
     * @param clock       what the ages in filters count from
     */
    public void serveQueueApi(QueueManager queue, Spool spool, HistoryReader history, boolean historyKept, Clock clock) {
        List<ApiHandler.Route> routes = new ArrayList<>(new QueueEndpoints(queue, spool, history, historyKept, clock).routes());
        routes.add(new ApiHandler.Route("GET", "/api/openapi.yaml", r -> OpenApi.document()));
        api = new ApiHandler(routes);
        context("/api/", api, true);
    }

    /**
     * Reads the token file again, for a reload (so that {@code facteur admin add-token} needs no
     * restart), and returns the step that puts its tokens in force, in place of all others: the
     * reload runs it once nothing else can refuse. A file that would stop the start throws.
     */
    public Runnable tokensReadAgain() throws IOException {
        List<Token> next = TokenFile.load(tokenFile);
        return () -> auth.replace(next);
    }

    /** The context paths served, in the order created. */
    List<String> contexts() {
        return List.copyOf(contexts);
    }

    /** The routes under {@code /api/}; none before {@link #serveQueueApi}. */
    List<ApiHandler.Route> apiRoutes() {
        ApiHandler a = api;
        return a == null ? List.of() : a.routes();
    }

    /** {@code GET /policy/explain?client=IP&helo=NAME&from=ADDR&to=ADDR&to=...}: what the checks would decide. */
    private static void explain(HttpExchange ex, Pipeline policy) throws IOException {
        if (policy == null) {
            reply(ex, 200, true, "no checks are configured ([policy] checks is empty): every client gets through");
            return;
        }
        String raw = ex.getRequestURI().getRawQuery();
        Map<String, String> q = query(raw);
        List<Mailbox> to = new ArrayList<>();
        InetAddress client;
        ReversePath from;
        try {
            client = InetAddress.ofLiteral(q.getOrDefault("client", ""));
            String f = q.getOrDefault("from", "");
            from = f.isEmpty() ? ReversePath.NULL : ReversePath.of(mailbox(f));
            for (String kv : raw.split("&")) {
                if (kv.startsWith("to=")) to.add(mailbox(URLDecoder.decode(kv.substring(3), StandardCharsets.UTF_8)));
            }
        } catch (IllegalArgumentException e) {
            reply(ex, 400, false, e.getMessage());
            return;
        }
        reply(ex, 200, true, String.join("\n", policy.explain(client, q.getOrDefault("helo", "client.example"), from, to)));
    }

    private static Mailbox mailbox(String a) {
        return AddressSyntax.tryParseMailbox(a, true).orElseThrow(() -> new IllegalArgumentException("not an address: " + a));
    }

    /**
     * {@code GET /metrics}: {@code metrics} in Prometheus's text format ({@link MetricsEndpoint}),
     * behind the admin token unless {@code open} ({@code [admin] metrics_public}); nothing is served
     * for {@link Metrics#NONE}.
     */
    public void serveMetrics(Metrics metrics, boolean open) {
        if (!metrics.enabled()) return;
        context("/metrics", new MetricsEndpoint(metrics), !open);
    }

    /**
     * The dashboard for people ({@code docs/dashboard.md}): its files at {@code /dashboard/}, open
     * since they hold no data ({@link DashboardFiles}), and {@code GET /api/activity} from
     * {@code activity}, behind the token ({@link ActivityEndpoint}).
     */
    public void serveDashboard(Activity activity) {
        context("/dashboard", new DashboardFiles(), false);
        context("/api/activity", new ActivityEndpoint(activity), true);
    }

    public void start() {
        http.start();
    }

    /** Answers {@code POST /reload} (with the token) by {@code reloader}. */
    public void reloadWith(ReloadEndpoint.Reloader reloader) {
        context("/reload", new ReloadEndpoint(reloader), true);
    }

    /** {@code /policy/explain} asks {@code checks} from now on (a reload built them; null: none configured). */
    public void explainWith(Pipeline checks) {
        this.policy = checks;
    }

    public InetSocketAddress address() {
        return http.getAddress();
    }

    static Map<String, String> query(String raw) {
        Map<String, String> out = new HashMap<>();
        if (raw == null) return out;
        for (String kv : raw.split("&")) {
            int eq = kv.indexOf('=');
            if (eq > 0) out.put(URLDecoder.decode(kv.substring(0, eq), StandardCharsets.UTF_8),
                    URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8));
        }
        return out;
    }

    static void reply(HttpExchange ex, int status, boolean ok, String message) throws IOException {
        byte[] body = JSON.writeValueAsBytes(Map.of("ok", ok, "message", message));
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, body.length);
        try (var out = ex.getResponseBody()) {
            out.write(body);
        }
    }

    @Override
    public void close() {
        http.stop(0);
    }
}
