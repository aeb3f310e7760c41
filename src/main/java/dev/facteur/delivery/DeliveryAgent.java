package dev.facteur.delivery;

import dev.facteur.message.Body;
import dev.facteur.message.Envelope;
import dev.facteur.message.Mailbox;
import dev.facteur.mime.SevenBitDowngrade;
import dev.facteur.message.Recipient;
import dev.facteur.routing.Hop;
import dev.facteur.routing.MxRouter;
import dev.facteur.routing.Route;
import dev.facteur.routing.Transport;
import dev.facteur.smtp.Reply;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes one delivery attempt for the pending recipients it is given: asks where each recipient
 * goes (transport map, local mailboxes, MX routing), groups them by destination, and delivers
 * each group: to our mailboxes, over LMTP, or over SMTP walking the servers in order until one
 * answers. Logs one line per recipient and attempt, in the form operators grep for.
 */
public final class DeliveryAgent implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger("facteur.delivery");

    /** Where a recipient goes; null means MX routing of its own domain. */
    @FunctionalInterface
    public interface Transports {
        Transport of(Mailbox rcpt);
    }

    /** Our own mailboxes (Maildir): the reply for one recipient, never an exception. */
    @FunctionalInterface
    public interface Mailboxes {
        Reply deliver(Envelope env, Mailbox rcpt, OutgoingMessage.Content content);
    }

    /**
     * @param transports  where each recipient goes
     * @param mailboxes   the Maildir store for {@link Transport.Local}, or null when local mail goes over LMTP
     * @param localLmtp   the LMTP server holding local mailboxes, or null
     * @param credentials SMTP AUTH per relay host name (lower case)
     */
    public record Routes(Transports transports, Mailboxes mailboxes, Transport.Lmtp localLmtp, Map<String, Credentials> credentials) {
        public Routes {
            credentials = Map.copyOf(credentials);
        }

        /** Plain MX routing for everything, as before any table is configured. */
        public static Routes mxOnly() {
            return new Routes(rcpt -> null, null, null, Map.of());
        }
    }

    private final MxRouter router;
    private final ClientSettings settings;
    private final Routes routes;
    private final Clock clock;
    private final ConnectionCache cache;
    private final Thread expirer;

    public DeliveryAgent(MxRouter router, ClientSettings settings, Routes routes, int maxPerDestination, Clock clock) {
        this.router = router;
        this.settings = settings;
        this.routes = routes;
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

    /** Recipients that go the same way: one transport, and for MX routing one domain. */
    private record Destination(Transport transport, String domain) {
        @Override
        public String toString() {
            return transport == null ? domain : transport.toString();
        }
    }

    private Destination destinationOf(Mailbox to) {
        Transport t = routes.transports().of(to);
        if (t instanceof Transport.Local && routes.localLmtp() != null) t = routes.localLmtp();
        return new Destination(t, t == null ? to.domainKey() : "");
    }

    /**
     * The destination a recipient's mail goes to, by which the queue limits deliveries at once:
     * its domain under MX routing, else its transport ({@code smtp:[relay.example]:587},
     * {@code local}, ...). Asks the transport map, never DNS.
     */
    public String destination(Mailbox recipient) {
        return destinationOf(recipient).toString();
    }

    /**
     * One attempt for the given pending recipients (indexes into the envelope's list), each group
     * of one destination in turn; the result holds one entry per recipient tried. How many
     * deliveries go to one destination at once is the caller's to limit (the queue's scheduler).
     */
    public List<Attempt> deliver(Envelope env, long size, OutgoingMessage.Content content, List<Integer> recipients) {
        Map<Destination, List<Integer>> groups = new LinkedHashMap<>();
        for (int i : recipients) {
            Recipient r = env.recipients().get(i);
            if (r.isPending()) groups.computeIfAbsent(destinationOf(r.address()), k -> new ArrayList<>()).add(i);
        }
        List<Attempt> out = new ArrayList<>();
        for (var e : groups.entrySet()) out.addAll(deliverTo(env, size, content, e.getKey(), e.getValue()));
        return out;
    }

    /**
     * How a group of recipients travels: the name its log goes by, the name its login is looked
     * up by, whether it is LMTP, and whether it is a relay the operator chose (whose DNS trouble
     * never bounces mail: it is the setting, not the recipient, that is wrong).
     */
    private record Way(String name, String loginName, boolean lmtp, boolean relay) {}

    private List<Attempt> deliverTo(Envelope env, long size, OutgoingMessage.Content content, Destination d, List<Integer> idx) {
        return switch (d.transport()) {
            case null -> {
                if (d.domain().isEmpty()) yield finish(env, idx, Outcome.of(new Reply(550, "5.1.2", "No domain to route to")), null, null, "");
                yield viaRoute(env, size, content, idx, new Way(d.domain(), null, false, false), router.route(d.domain()));
            }
            // a relay found by MX lookup gets a login only by the MX host's own name: DNS must not choose who gets the password
            case Transport.Smtp s when s.mxLookup() -> viaRoute(env, size, content, idx, new Way(s.toString(), null, false, true),
                    router.route(s.host(), s.port() > 0 ? s.port() : router.defaultPort()));
            case Transport.Smtp s -> viaRoute(env, size, content, idx, new Way(s.toString(), s.host(), false, true),
                    router.direct(s.host(), s.port() > 0 ? s.port() : router.defaultPort()));
            case Transport.Lmtp l when l.unixSocket() != null -> viaUnixSocket(env, size, content, idx, l.unixSocket());
            case Transport.Lmtp l -> viaRoute(env, size, content, idx, new Way(l.toString(), null, true, true),
                    router.direct(l.server().host(), l.server().port()));
            case Transport.Local l -> toMailboxes(env, content, idx);
            case Transport.Discard x -> finish(env, idx, new Outcome.Delivered(new Reply(250, "2.0.0", "Discarded (transport map)")), "discard", null, "");
            case Transport.Error e -> finish(env, idx, Outcome.of(e.reply()), "error", null, "");
            case Transport.Hold h -> finish(env, idx, new Outcome.Held(new Reply(451, "4.3.0", "Held by the transport map")), "hold", null, "");
        };
    }

    private List<Attempt> toMailboxes(Envelope env, OutgoingMessage.Content content, List<Integer> idx) {
        List<Attempt> out = new ArrayList<>();
        for (int i : idx) {
            Recipient r = env.recipients().get(i);
            Reply reply = routes.mailboxes() == null
                    ? new Reply(451, "4.3.5", "No mailbox store is configured")
                    : routes.mailboxes().deliver(env, r.address(), content);
            Outcome o = Outcome.of(reply);
            out.add(new Attempt(i, o, null, false, true));
            logAttempt(env, r, "local", "", o);
        }
        return out;
    }

    /** LMTP to a local server's unix socket: one connection per message, nothing to route or fail over to. */
    private List<Attempt> viaUnixSocket(Envelope env, long size, OutgoingMessage.Content content, List<Integer> idx,
            java.nio.file.Path socket) {
        String relay = "unix:" + socket;
        List<Recipient> rcpts = idx.stream().map(i -> env.recipients().get(i)).toList();
        try (SmtpClient c = SmtpClient.connectLmtp(socket, settings)) {
            Reply hello = c.greeting().code() == 220 ? c.hello() : c.greeting();
            if (!hello.isPositive()) return finish(env, idx, Outcome.of(hello.isPermanent()
                    ? new Reply(451, "4.3.0", "LMTP server refused the session: " + diagnostic(hello)) : hello), relay, null, "");
            List<Outcome> outcomes = c.send(new OutgoingMessage(env, rcpts, size, content));
            c.quit();
            List<Attempt> result = new ArrayList<>();
            for (int k = 0; k < idx.size(); k++) {
                result.add(new Attempt(idx.get(k), outcomes.get(k), "localhost", false, true));
                logAttempt(env, rcpts.get(k), relay, "", outcomes.get(k));
            }
            return result;
        } catch (IOException e) {
            return finish(env, idx, Outcome.of(new Reply(451, "4.4.2", "LMTP on " + socket + " failed: " + describe(e))), relay, null, "");
        }
    }

    /** SMTP or LMTP along a route. */
    private List<Attempt> viaRoute(Envelope env, long size, OutgoingMessage.Content content, List<Integer> idx, Way way, Route route) {
        return switch (route) {
            case Route.Permanent p when way.relay() -> finish(env, idx, Outcome.of(new Reply(451, "4.4.3",
                    "Relay " + way.name() + " cannot be used: " + diagnostic(p.reason()))), null, null, "");
            case Route.Permanent p -> finish(env, idx, Outcome.of(p.reason()), null, null, "");
            case Route.Temporary t -> finish(env, idx, Outcome.of(t.reason()), null, null, "");
            case Route.Hops h -> viaHops(env, size, content, idx, h.hops(), way);
        };
    }

    /**
     * The login for this hop: by the relay's configured name (a bracketed relay, whose certificate
     * is then checked against that very name), else by the server's own name.
     */
    private Credentials credentials(Way way, Hop hop) {
        if (way.lmtp()) return null;
        Credentials c = way.loginName() == null ? null : routes.credentials().get(way.loginName().toLowerCase(java.util.Locale.ROOT));
        return c != null ? c : routes.credentials().get(hop.host().toLowerCase(java.util.Locale.ROOT));
    }

    /** Connections are reused only for the same protocol and the same login (or none). */
    private record CacheKey(InetSocketAddress server, boolean lmtp, Credentials login) {}

    private List<Attempt> viaHops(Envelope env, long size, OutgoingMessage.Content content, List<Integer> idx, List<Hop> hops, Way way) {
        List<Recipient> rcpts = idx.stream().map(i -> env.recipients().get(i)).toList();
        var message = new OutgoingMessage(env, rcpts, size, content);
        OutgoingMessage sevenBit = null; // made once, for the first server without 8BITMIME
        Reply last = null;
        String lastHop = null;
        String lastHost = null;
        String lastTls = "";
        boolean lastRemote = false; // whether `last` was said by a server rather than made up by us
        boolean onlyRefusals = true;
        for (Hop hop : hops) {
            Credentials login = credentials(way, hop);
            var key = new CacheKey(hop.socketAddress(), way.lmtp(), login);
            // a password goes only over TLS whose certificate verifies, unless the operator said otherwise
            ClientSettings hopSettings = login != null && login.requireTls() && login.tls() != null ? settings.verifying(login.tls()) : settings;
            for (int round = 0; round < 2; round++) {
                SmtpClient c = round == 0 ? cache.take(key) : null;
                boolean reused = c != null;
                try {
                    if (c == null) {
                        c = way.lmtp() ? SmtpClient.connectLmtp(hop.socketAddress(), hop.host(), hopSettings)
                                : SmtpClient.connect(hop.socketAddress(), hop.host(), hopSettings);
                        Reply hello = c.greeting().code() == 220 ? c.hello() : c.greeting();
                        if (!hello.isPositive()) {
                            log.info("{}: relay={} refused to talk to us: {}", env.id(), hop, hello);
                            last = hello;
                            lastHop = hop.toString();
                            lastHost = hop.host();
                            lastTls = c.tls();
                            lastRemote = true;
                            onlyRefusals &= hello.isPermanent();
                            c.quit();
                            break;
                        }
                        Reply notLoggedIn = login(c, hop, login);
                        if (notLoggedIn != null) { // our verdict (it may quote the server): no Remote-MTA
                            log.info("{}: relay={}, tls={}: {}", env.id(), hop, c.tls().isEmpty() ? "none" : c.tls(),
                                    diagnostic(notLoggedIn));
                            last = notLoggedIn;
                            lastHop = hop.toString();
                            lastTls = c.tls();
                            lastRemote = false;
                            onlyRefusals = false;
                            c.quit();
                            break;
                        }
                    }
                    OutgoingMessage toSend = message;
                    if (env.body() == Body.EIGHT_BIT_MIME && !c.offers("8BITMIME")) {
                        if (sevenBit == null) sevenBit = sevenBit(message);
                        toSend = sevenBit; // still 8-bit (and refused just below) when it could not be converted
                    }
                    Reply cannot = c.cannotTake(toSend);
                    if (cannot != null) {
                        // our own verdict from what the server advertised: no Remote-MTA, no Diagnostic-Code
                        cache.give(key, c);
                        return finish(env, idx, Outcome.of(cannot), hop.toString(), null, c.tls());
                    }
                    List<Outcome> outcomes = c.send(toSend);
                    List<Attempt> result = new ArrayList<>();
                    for (int k = 0; k < idx.size(); k++) {
                        result.add(new Attempt(idx.get(k), outcomes.get(k), hop.host(), !way.lmtp() && c.offers("DSN"), way.lmtp()));
                        logAttempt(env, rcpts.get(k), hop.toString(), c.tls(), outcomes.get(k));
                    }
                    cache.give(key, c);
                    return result;
                } catch (IOException e) {
                    if (c != null) c.close();
                    if (reused) continue; // a cached connection may have gone stale: try a fresh one
                    last = new Reply(421, "4.4.2", "Connection to " + hop + " failed: " + describe(e));
                    lastHop = hop.toString();
                    lastHost = hop.host();
                    lastTls = "";
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
        return finish(env, idx, Outcome.of(reason), lastHop, last != null && lastRemote ? lastHost : null, lastTls);
    }

    /** Converted messages are held in memory: bigger ones bounce (5.6.3) as before conversion existed. */
    private static final long MAX_CONVERSION = 16L * 1024 * 1024;

    /**
     * The message made 7-bit (RFC 6152 §3), or the message itself when that is impossible (raw
     * UTF-8 in a header, message/global, too big): the server's refusal then bounces it, 5.6.3.
     */
    private static OutgoingMessage sevenBit(OutgoingMessage m) throws IOException {
        if (m.size() > MAX_CONVERSION) return m;
        byte[] original;
        try (var in = m.content().open()) {
            original = in.readAllBytes();
        }
        return switch (SevenBitDowngrade.convert(original)) {
            case SevenBitDowngrade.Result.Converted c -> new OutgoingMessage(m.envelope().withBody(Body.SEVEN_BIT), m.recipients(),
                    c.content().length, () -> new java.io.ByteArrayInputStream(c.content()));
            case SevenBitDowngrade.Result.Impossible i -> {
                log.info("{}: cannot make the message 7-bit: {}", m.envelope().id(), i.reason());
                yield m;
            }
        };
    }

    /**
     * SMTP AUTH where credentials are configured for this host; null when logged in or none is
     * needed, else why not. Never in clear when TLS is required, never to a server that did not
     * offer AUTH. A refusal is temporary: the operator's setting is wrong, not the message.
     */
    private Reply login(SmtpClient c, Hop hop, Credentials cred) throws IOException {
        if (cred == null) return null;
        if (cred.requireTls() && c.tls().isEmpty())
            return new Reply(454, "4.7.0", "TLS is required before AUTH with " + hop.host() + ", and it did not start TLS");
        if (!c.offers("AUTH"))
            return new Reply(454, "4.7.0", hop.host() + " does not offer AUTH, and credentials are configured for it");
        Reply r = c.authenticate(cred.username(), cred.password());
        if (r.code() == 235) return null;
        return new Reply(454, "4.7.0", "Authentication as " + cred.username() + " with " + hop.host() + " failed: " + diagnostic(r));
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
            case Outcome.Held h -> "hold";
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
