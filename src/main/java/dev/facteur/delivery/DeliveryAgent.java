package dev.facteur.delivery;

import dev.facteur.message.Envelope;
import dev.facteur.message.Recipient;
import dev.facteur.routing.Hop;
import dev.facteur.routing.MxRouter;
import dev.facteur.routing.Route;
import dev.facteur.smtp.Reply;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes one delivery attempt for every pending recipient of a message: groups them by domain,
 * routes each domain, and walks its servers in order until one answers. Logs one line per
 * recipient and attempt, in the form operators grep for.
 */
public final class DeliveryAgent implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger("facteur.delivery");

    private final MxRouter router;
    private final ClientSettings settings;
    private final Set<String> localDomains;
    private final int maxPerDestination;
    private final Clock clock;
    private final ConnectionCache cache;
    private final Map<String, Semaphore> destinations = new ConcurrentHashMap<>();
    private final Thread expirer;

    public DeliveryAgent(MxRouter router, ClientSettings settings, Set<String> localDomains, int maxPerDestination, Clock clock) {
        this.router = router;
        this.settings = settings;
        this.localDomains = Set.copyOf(localDomains);
        this.maxPerDestination = maxPerDestination;
        this.clock = clock;
        // as many idle connections per server as may be busy at once, so a steady flow reuses them all
        this.cache = new ConnectionCache(Duration.ofSeconds(10), maxPerDestination);
        this.expirer = Thread.ofVirtual().name("smtp-connection-cache").start(() -> {
            while (true) {
                try {
                    Thread.sleep(2000);
                } catch (InterruptedException e) {
                    return;
                }
                cache.expire();
            }
        });
    }

    /** One attempt for each pending recipient; the result holds one entry per recipient tried. */
    public List<Attempt> deliver(Envelope env, long size, OutgoingMessage.Content content) {
        Map<String, List<Integer>> byDomain = new LinkedHashMap<>();
        List<Recipient> rcpts = env.recipients();
        for (int i = 0; i < rcpts.size(); i++) {
            if (rcpts.get(i).isPending()) byDomain.computeIfAbsent(rcpts.get(i).address().domainKey(), k -> new ArrayList<>()).add(i);
        }
        List<Attempt> out = new ArrayList<>();
        for (var e : byDomain.entrySet()) out.addAll(deliverToDomain(env, size, content, e.getKey(), e.getValue()));
        return out;
    }

    private List<Attempt> deliverToDomain(Envelope env, long size, OutgoingMessage.Content content, String domain, List<Integer> idx) {
        if (domain.isEmpty() || localDomains.contains(domain)) {
            return finish(env, idx, Outcome.of(new Reply(451, "4.3.2", "Local delivery is not available yet; the message stays queued")),
                    null, null, "");
        }
        Route route = router.route(domain);
        return switch (route) {
            case Route.Permanent p -> finish(env, idx, Outcome.of(p.reason()), null, null, "");
            case Route.Temporary t -> finish(env, idx, Outcome.of(t.reason()), null, null, "");
            case Route.Hops h -> {
                Semaphore slots = destinations.computeIfAbsent(domain, d -> new Semaphore(maxPerDestination));
                slots.acquireUninterruptibly();
                try {
                    yield viaHops(env, size, content, idx, h.hops());
                } finally {
                    slots.release();
                }
            }
        };
    }

    private List<Attempt> viaHops(Envelope env, long size, OutgoingMessage.Content content, List<Integer> idx, List<Hop> hops) {
        List<Recipient> rcpts = idx.stream().map(i -> env.recipients().get(i)).toList();
        var message = new OutgoingMessage(env, rcpts, size, content);
        Reply last = null;
        String lastHop = null;
        String lastHost = null;
        boolean lastRemote = false; // whether `last` was said by a server rather than made up by us
        boolean onlyRefusals = true;
        for (Hop hop : hops) {
            for (int round = 0; round < 2; round++) {
                SmtpClient c = round == 0 ? cache.take(hop.socketAddress()) : null;
                boolean reused = c != null;
                try {
                    if (c == null) {
                        c = SmtpClient.connect(hop.socketAddress(), hop.host(), settings);
                        Reply hello = c.greeting().code() == 220 ? c.hello() : c.greeting();
                        if (!hello.isPositive()) {
                            log.info("{}: relay={} refused to talk to us: {}", env.id(), hop, hello);
                            last = hello;
                            lastHop = hop.toString();
                            lastHost = hop.host();
                            lastRemote = true;
                            onlyRefusals &= hello.isPermanent();
                            c.quit();
                            break;
                        }
                    }
                    Reply cannot = c.cannotTake(message);
                    if (cannot != null) {
                        // our own verdict from what the server advertised: no Remote-MTA, no Diagnostic-Code
                        cache.give(hop.socketAddress(), c);
                        return finish(env, idx, Outcome.of(cannot), hop.toString(), null, c.tls());
                    }
                    List<Outcome> outcomes = c.send(message);
                    List<Attempt> result = new ArrayList<>();
                    for (int k = 0; k < idx.size(); k++) {
                        result.add(new Attempt(idx.get(k), outcomes.get(k), hop.host(), c.offers("DSN")));
                        logAttempt(env, rcpts.get(k), hop.toString(), c.tls(), outcomes.get(k));
                    }
                    cache.give(hop.socketAddress(), c);
                    return result;
                } catch (IOException e) {
                    if (c != null) c.close();
                    if (reused) continue; // a cached connection may have gone stale: try a fresh one
                    last = new Reply(421, "4.4.2", "Connection to " + hop + " failed: " + describe(e));
                    lastHop = hop.toString();
                    lastHost = hop.host();
                    lastRemote = false;
                    onlyRefusals = false;
                    log.info("{}: relay={}: {}", env.id(), hop, last.lines().getFirst());
                    break;
                }
            }
        }
        // No server took the message: a permanent refusal from all of them bounces, anything else waits.
        Reply reason = last == null ? new Reply(451, "4.4.1", "No server could be reached") : last;
        if (reason.isPermanent() && !onlyRefusals) {
            reason = new Reply(451, "4.4.1", reason.lines().getFirst());
            lastRemote = false;
        }
        return finish(env, idx, Outcome.of(reason), lastHop, last != null && lastRemote ? lastHost : null, "");
    }

    private static String describe(IOException e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    /**
     * @param relay     the server as logged ({@code host[ip]:port}), or null
     * @param remoteMta the host name of the server whose own reply this is, or null when we made it up
     */
    private List<Attempt> finish(Envelope env, List<Integer> idx, Outcome o, String relay, String remoteMta, String tls) {
        List<Attempt> out = new ArrayList<>();
        for (int i : idx) {
            out.add(new Attempt(i, o, remoteMta, false));
            logAttempt(env, env.recipients().get(i), relay == null ? "none" : relay, tls, o);
        }
        return out;
    }

    private void logAttempt(Envelope env, Recipient r, String relay, String tls, Outcome o) {
        String status = switch (o) {
            case Outcome.Delivered d -> "sent";
            case Outcome.Deferred d -> "deferred";
            case Outcome.Failed f -> "bounced";
        };
        double delay = Duration.between(env.arrival(), clock.instant()).toMillis() / 1000.0;
        log.info("{}: to=<{}>, relay={}, delay={}, tls={}, dsn={}, status={} ({})", env.id(), r.address(), relay,
                String.format("%.1f", delay), tls.isEmpty() ? "none" : tls, o.reply().enhanced().isEmpty() ? "-" : o.reply().enhanced(),
                status, diagnostic(o.reply()));
    }

    /** A reply as one line, for logs and DSNs: {@code 550 5.1.1 text}. */
    public static String diagnostic(Reply r) {
        return r.code() + (r.enhanced().isEmpty() ? "" : " " + r.enhanced()) + " " + String.join(" ", r.lines()).strip();
    }

    @Override
    public void close() {
        expirer.interrupt();
        cache.close();
    }
}
