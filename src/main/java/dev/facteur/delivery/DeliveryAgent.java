package dev.facteur.delivery;

import dev.facteur.history.HistoryEvent;
import dev.facteur.history.HistorySink;
import dev.facteur.message.Body;
import dev.facteur.message.Envelope;
import dev.facteur.message.Mailbox;
import dev.facteur.metrics.DeliveryMetrics;
import dev.facteur.metrics.Metrics;
import dev.facteur.mime.SevenBitDowngrade;
import dev.facteur.message.Recipient;
import dev.facteur.message.ReversePath;
import dev.facteur.routing.Hop;
import dev.facteur.routing.MxRouter;
import dev.facteur.routing.Route;
import dev.facteur.routing.Transport;
import dev.facteur.shaping.Lease;
import dev.facteur.shaping.Permit;
import dev.facteur.shaping.Shaper;
import dev.facteur.shaping.Site;
import dev.facteur.shaping.SlowDown;
import dev.facteur.shaping.Source;
import dev.facteur.shaping.SourceAddresses;
import dev.facteur.shaping.Wait;
import dev.facteur.smtp.Reply;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.net.ssl.SSLContext;
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
     * @param reports     what reads the reports that come to the bounce domain ({@link Transport.Reports}), or null
     * @param tls         the operator's TLS policy per destination
     */
    public record Routes(Transports transports, Mailboxes mailboxes, Transport.Lmtp localLmtp, Map<String, Credentials> credentials,
            Mailboxes reports, TlsPolicies tls) {
        public Routes {
            credentials = Map.copyOf(credentials);
        }

        public Routes(Transports transports, Mailboxes mailboxes, Transport.Lmtp localLmtp, Map<String, Credentials> credentials) {
            this(transports, mailboxes, localLmtp, credentials, null, TlsPolicies.NONE);
        }

        /** Plain MX routing for everything, as before any table is configured. */
        public static Routes mxOnly() {
            return new Routes(rcpt -> null, null, null, Map.of());
        }
    }

    private final MxRouter router;
    private final SenderRewrite senders;
    /** Traffic shaping for mail leaving by SMTP, or null for none. */
    private final Shaper shaper;
    /** The local addresses mail leaves from, by sender. */
    private final SourceAddresses sources;
    /** The traffic shaping lease each open connection holds, renewed when a kept connection is used again. */
    private final java.util.Map<SmtpClient, Lease> leases = new java.util.concurrent.ConcurrentHashMap<>();
    private final ClientSettings settings;
    private final Routes routes;
    private final Clock clock;
    /** Where each attempt's outcome per recipient goes besides the log, for {@code facteur trace}. */
    private final HistorySink history;
    private final ConnectionCache cache;
    /** Where each attempt and each TLS session with a server is counted. */
    private volatile DeliveryMetrics metrics = Metrics.NONE.delivery();
    private final Thread expirer;
    /** Servers whose TLS handshake failed: plain text for them at once, for an hour (opportunistic TLS only). */
    private final FailedHandshakes failedHandshakes = new FailedHandshakes(Duration.ofHours(1));

    public DeliveryAgent(MxRouter router, ClientSettings settings, Routes routes, int maxPerDestination, Clock clock) {
        this(router, settings, routes, maxPerDestination, clock, SenderRewrite.NONE);
    }

    /** @param senders the MAIL FROM of mail leaving by SMTP (SRS for forwarded mail) */
    public DeliveryAgent(MxRouter router, ClientSettings settings, Routes routes, int maxPerDestination, Clock clock,
            SenderRewrite senders) {
        this(router, settings, routes, maxPerDestination, clock, senders, null);
    }

    /** @param shaper traffic shaping of mail leaving by SMTP, or null for none */
    public DeliveryAgent(MxRouter router, ClientSettings settings, Routes routes, int maxPerDestination, Clock clock,
            SenderRewrite senders, Shaper shaper) {
        this(router, settings, routes, maxPerDestination, clock, senders, shaper, SourceAddresses.NONE);
    }

    /** @param sources the local addresses mail leaving by SMTP goes from, by sender */
    public DeliveryAgent(MxRouter router, ClientSettings settings, Routes routes, int maxPerDestination, Clock clock,
            SenderRewrite senders, Shaper shaper, SourceAddresses sources) {
        this(router, settings, routes, maxPerDestination, clock, senders, shaper, sources, HistorySink.NONE);
    }

    /** @param history where each attempt is recorded, as it is logged (the delivery history) */
    public DeliveryAgent(MxRouter router, ClientSettings settings, Routes routes, int maxPerDestination, Clock clock,
            SenderRewrite senders, Shaper shaper, SourceAddresses sources, HistorySink history) {
        this.history = history;
        this.senders = senders;
        this.shaper = shaper;
        this.sources = sources;
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

    /** Counts the attempts, their durations and the TLS sessions with servers in {@code m} from now on. */
    public DeliveryAgent measuredBy(DeliveryMetrics m) {
        metrics = m;
        return this;
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

    /** One attempt for each pending recipient; the result holds one entry per recipient tried. */
    public List<Attempt> deliver(Envelope env, long size, OutgoingMessage.Content content) {
        List<Integer> pending = new ArrayList<>();
        for (int i = 0; i < env.recipients().size(); i++) {
            if (env.recipients().get(i).isPending()) pending.add(i);
        }
        return deliver(env, size, content, pending);
    }

    /**
     * One attempt for the given pending recipients (indexes into the envelope's list), each group
     * of one destination in turn; the result holds one entry per recipient tried. How many
     * deliveries go to one destination at once is the caller's to limit (the queue's scheduler).
     */
    public List<Attempt> deliver(Envelope env, long size, OutgoingMessage.Content content, List<Integer> recipients) {
        long start = System.nanoTime();
        Map<Destination, List<Integer>> groups = new LinkedHashMap<>();
        for (int i : recipients) {
            Recipient r = env.recipients().get(i);
            if (r.isPending()) groups.computeIfAbsent(destinationOf(r.address()), k -> new ArrayList<>()).add(i);
        }
        List<Attempt> out = new ArrayList<>();
        for (var e : groups.entrySet()) out.addAll(deliverTo(env, size, content, e.getKey(), e.getValue()));
        measured(env, out, System.nanoTime() - start);
        return out;
    }

    /**
     * One attempt for the metrics: delivered when every recipient tried was, deferred when any was,
     * else bounced; not an attempt when none was tried (held, or postponed by traffic shaping).
     */
    private void measured(Envelope env, List<Attempt> attempts, long nanos) {
        boolean delivered = false, deferred = false, bounced = false;
        for (Attempt a : attempts) {
            switch (a.outcome()) {
                case Outcome.Delivered d -> delivered = true;
                case Outcome.Deferred d -> deferred = true;
                case Outcome.Failed f -> bounced = true;
                case Outcome.Held h -> { }
                case Outcome.Postponed p -> { }
            }
        }
        if (!delivered && !deferred && !bounced) return;
        metrics.attempted(deferred ? DeliveryMetrics.Outcome.DEFERRED : bounced ? DeliveryMetrics.Outcome.BOUNCED
                : DeliveryMetrics.Outcome.DELIVERED, nanos, env.schedule().attempts() > 0);
    }

    /**
     * How a group of recipients travels: the name its log goes by, the name its login is looked
     * up by, whether it is LMTP, whether it is a relay the operator chose (whose DNS trouble
     * never bounces mail: it is the setting, not the recipient, that is wrong), and the domain its
     * traffic shaping site is found by (the recipients' domain, or the relay's name), and the
     * sender's domain as received, by which its source addresses are chosen (not a VERP or SRS
     * return path's).
     */
    private record Way(String name, String loginName, boolean lmtp, boolean relay, String siteDomain, String senderDomain,
            TlsPolicies.Decision published) {
        Way(String name, String loginName, boolean lmtp, boolean relay, String siteDomain, String senderDomain) {
            this(name, loginName, lmtp, relay, siteDomain, senderDomain, TlsPolicies.Decision.NONE);
        }

        Way with(TlsPolicies.Decision d) {
            return new Way(name, loginName, lmtp, relay, siteDomain, senderDomain, d);
        }
    }

    private List<Attempt> deliverTo(Envelope original, long size, OutgoingMessage.Content content, Destination d, List<Integer> idx) {
        boolean bySmtp = d.transport() == null || d.transport() instanceof Transport.Smtp;
        if (bySmtp && idx.size() > 1 && senders.perRecipient(original)) {
            // VERP: a transaction per recipient, each with the return path that names it
            List<Attempt> out = new ArrayList<>();
            for (int i : idx) out.addAll(deliverTo(original, size, content, d, List.of(i)));
            return out;
        }
        Envelope env = bySmtp ? withSender(original, original.recipients().get(idx.getFirst()).address()) : original;
        String senderDomain = original.sender().mailbox().map(Mailbox::domainKey).orElse("");
        return switch (d.transport()) {
            case null -> {
                if (d.domain().isEmpty()) yield finish(env, idx, Outcome.of(new Reply(550, "5.1.2", "No domain to route to")), null, null, "");
                yield viaRoute(env, size, content, idx, new Way(d.domain(), null, false, false, d.domain(), senderDomain), router.route(d.domain()));
            }
            // a relay found by MX lookup gets a login only by the MX host's own name: DNS must not choose who gets the password
            case Transport.Smtp s when s.mxLookup() -> viaRoute(env, size, content, idx,
                    new Way(s.toString(), null, false, true, s.host(), senderDomain), router.route(s.host(), s.port() > 0 ? s.port() : router.defaultPort()));
            case Transport.Smtp s -> viaRoute(env, size, content, idx, new Way(s.toString(), s.host(), false, true, s.host(), senderDomain),
                    router.direct(s.host(), s.port() > 0 ? s.port() : router.defaultPort()));
            case Transport.Lmtp l when l.unixSocket() != null -> viaUnixSocket(env, size, content, idx, l.unixSocket());
            case Transport.Lmtp l -> viaRoute(env, size, content, idx, new Way(l.toString(), null, true, true, l.server().host(), senderDomain),
                    router.direct(l.server().host(), l.server().port()));
            case Transport.Local l -> toMailboxes(env, content, idx);
            case Transport.Reports r -> toReports(env, content, idx);
            case Transport.Discard x -> finish(env, idx, new Outcome.Delivered(new Reply(250, "2.0.0", "Discarded (transport map)")), "discard", null, "");
            case Transport.Error e -> finish(env, idx, Outcome.of(e.reply()), "error", null, "");
            case Transport.Hold h -> finish(env, idx, new Outcome.Held(new Reply(451, "4.3.0", "Held by the transport map")), "hold", null, "");
        };
    }

    /** The envelope as sent to {@code recipient}: with the reverse-path {@link #senders} gives. */
    private Envelope withSender(Envelope env, Mailbox recipient) {
        ReversePath from = senders.mailFrom(env, recipient);
        return from.equals(env.sender()) ? env : env.withSender(from);
    }

    private List<Attempt> toMailboxes(Envelope env, OutgoingMessage.Content content, List<Integer> idx) {
        return inHouse(env, content, idx, routes.mailboxes(), "local", "No mailbox store is configured");
    }

    private List<Attempt> toReports(Envelope env, OutgoingMessage.Content content, List<Integer> idx) {
        return inHouse(env, content, idx, routes.reports(), "reports", "No bounce processing is configured");
    }

    /** Delivery within this server, one recipient at a time; {@code absent} when nothing here takes it (it waits). */
    private List<Attempt> inHouse(Envelope env, OutgoingMessage.Content content, List<Integer> idx, Mailboxes taker, String name,
            String absent) {
        List<Attempt> out = new ArrayList<>();
        for (int i : idx) {
            Recipient r = env.recipients().get(i);
            Reply reply = taker == null ? new Reply(451, "4.3.5", absent) : taker.deliver(env, r.address(), content);
            Outcome o = Outcome.of(reply);
            out.add(new Attempt(i, o, null, false, true));
            logAttempt(env, r, name, "", o);
        }
        return out;
    }

    /** LMTP to a local server's unix socket: one connection per message, nothing to route or fail over to. */
    private List<Attempt> viaUnixSocket(Envelope env, long size, OutgoingMessage.Content content, List<Integer> idx,
            Path socket) {
        String relay = "unix:" + socket;
        List<Recipient> rcpts = idx.stream().map(i -> env.recipients().get(i)).toList();
        try (SmtpClient c = SmtpClient.connectLmtp(socket, settings)) {
            Reply hello = c.greeting().code() / 100 == 2 ? c.hello(TlsPolicy.NONE) : c.greeting();
            if (hello.code() / 100 != 2) return finish(env, idx, Outcome.of(hello.code() / 100 == 4 ? hello
                    : new Reply(451, "4.3.0", "LMTP server refused the session: " + diagnostic(hello))), relay, null, "");
            Sent sent = c.send(new OutgoingMessage(env, rcpts, size, content));
            c.quit();
            List<Attempt> result = new ArrayList<>();
            for (int k = 0; k < idx.size(); k++) {
                Outcome o = sent.outcomes().get(k);
                // as over TCP: a recipient the server never answered has our verdict, and no Remote-MTA
                String remoteMta = sent.unanswered().contains(k) ? null : "localhost";
                result.add(new Attempt(idx.get(k), o, remoteMta, false, true, c.answerTime()));
                logAttempt(env, rcpts.get(k), relay, "", o);
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
            case Route.Hops h when way.relay() || way.lmtp() -> viaHops(env, size, content, idx, h.hops(), way);
            case Route.Hops h -> published(env, size, content, idx, h.hops(), way.with(published(env, content, way)));
        };
    }

    /**
     * What the destination publishes about TLS, unless the message says {@code TLS-Required: No}
     * (RFC 8689 §5): its sender would rather it arrived than be held for the recipient domain's
     * policies (a report about a broken TLS setup, say), so DANE and MTA-STS are ignored, and
     * STARTTLS stays opportunistic. The REQUIRETLS parameter overrides the field (§4.1).
     */
    private TlsPolicies.Decision published(Envelope env, OutgoingMessage.Content content, Way way) {
        TlsPolicies.Decision d = routes.tls().published(way.siteDomain(), router.defaultPort());
        if (d instanceof TlsPolicies.Decision.NoPolicy || env.requireTls()) return d;
        try (var in = content.open()) {
            if (!dev.facteur.message.TlsRequired.saysNo(in)) return d;
        } catch (IOException e) {
            return d; // unreadable now: the policy stands, and the delivery will meet the same trouble
        }
        log.info("{}: {}: TLS-Required: No: the domain's published TLS policy is ignored (RFC 8689 §5)", env.id(), way.name());
        return TlsPolicies.Decision.NONE;
    }

    /**
     * Along an MX route, with what the domain publishes. Under DANE (RFC 7672) a host whose TLSA
     * lookup failed is left out, and with {@code dane-only} so is a host without TLSA records; the
     * hosts DANE leaves to MTA-STS (RFC 8461 §4.2) in enforce mode are only those its policy names.
     * Each is then tried over the TLS its policy asks ({@link #tlsPolicy}); none left, and the mail
     * waits. In MTA-STS testing mode the hosts it would refuse are logged.
     */
    private List<Attempt> published(Envelope env, long size, OutgoingMessage.Content content, List<Integer> idx, List<Hop> hops, Way way) {
        if (way.published() instanceof TlsPolicies.Decision.Undecided u) {
            reportSession(way, null, u.resultType(), u.reason());
            return finish(env, idx, Outcome.of(new Reply(451, "4.7.5", "TLS policy of " + way.siteDomain() + " unknown: " + u.reason())),
                    null, null, "");
        }
        List<String> why = new ArrayList<>();
        List<Hop> usable = hops.stream().filter(h -> usable(env, way, h, why)).toList();
        if (usable.isEmpty() && requiresTls(env) && why.stream().allMatch(w -> w.contains(": REQUIRETLS: ")))
            return finish(env, idx, Outcome.of(new Reply(550, "5.7.10", "Encryption needed: no MX host of " + way.siteDomain()
                    + " can be authenticated as REQUIRETLS asks (RFC 8689): " + String.join("; ", why))), null, null, "");
        if (usable.isEmpty())
            return finish(env, idx, Outcome.of(new Reply(451, "4.7.5", "No MX host of " + way.siteDomain() + " can be used: "
                    + String.join("; ", why))), null, null, "");
        return viaHops(env, size, content, idx, usable, way);
    }

    /** Whether {@code hop} may be tried under its domain's published policy; if not, why is logged and added to {@code why}. */
    private boolean usable(Envelope env, Way way, Hop hop, List<String> why) {
        String refused = null;
        if (way.published() instanceof TlsPolicies.Decision.Dane d) {
            var outcome = d.hosts().of(hop.host());
            if (outcome instanceof dev.facteur.dane.DaneOutcome.TempFail t) refused = "DANE: " + t.reason();
            else if (d.only() && outcome instanceof dev.facteur.dane.DaneOutcome.NotApplicable n) refused = "DANE is required, and " + n.why();
        }
        boolean signedMx = way.published() instanceof TlsPolicies.Decision.Dane; // found through DNSSEC, TLSA records or not
        if (refused == null && requiresTls(env) && !signedMx) refused = switch (way.published().forHost(hop.host())) {
            case TlsPolicies.Decision.Enforce e -> null; // checked below
            case TlsPolicies.Decision.Testing t when t.mx().test(hop.host()) -> null;
            case TlsPolicies.Decision.Testing t -> "REQUIRETLS: not in the " + t.source();
            default -> "REQUIRETLS: its MX records are not signed (DNSSEC) and it has no MTA-STS policy";
        };
        if (refused == null) refused = switch (way.published().forHost(hop.host())) {
            case TlsPolicies.Decision.Enforce e when !e.mx().test(hop.host()) -> "not in the " + e.source();
            case TlsPolicies.Decision.Testing t when !t.mx().test(hop.host()) -> {
                log.info("{}: {}: MX host {} not in the {} (testing mode: tried all the same)", env.id(), way.name(), hop.host(), t.source());
                yield null;
            }
            default -> null;
        };
        if (refused == null) return true;
        String line = hop.host() + ": " + refused;
        if (!why.contains(line)) {
            why.add(line);
            log.info("{}: {}: MX host {} left out: {}", env.id(), way.name(), hop.host(), refused);
            if (refused.startsWith("DANE: ")) reportSession(way, hop, "dnssec-invalid", refused);
            else if (refused.startsWith("DANE is required")) reportSession(way, hop, "dane-required", refused);
        }
        return false;
    }

    private List<Attempt> viaHops(Envelope env, long size, OutgoingMessage.Content content, List<Integer> idx, List<Hop> hops, Way way) {
        return shaper == null || way.lmtp() ? viaHops(env, size, content, idx, hops, way, null) : shaped(env, size, content, idx, hops, way);
    }

    /**
     * The login for this hop: by the relay's configured name (a bracketed relay, whose certificate
     * is then checked against that very name), else by the server's own name.
     */
    private Credentials credentials(Way way, Hop hop) {
        if (way.lmtp()) return null;
        Credentials c = way.loginName() == null ? null : routes.credentials().get(way.loginName().toLowerCase(Locale.ROOT));
        return c != null ? c : routes.credentials().get(hop.host().toLowerCase(Locale.ROOT));
    }

    /**
     * How this hop uses TLS: the one place that decides, where MTA-STS (RFC 8461) and DANE
     * (RFC 7672) will make more destinations TLS-only. The operator's policy for the destination
     * ({@link TlsPolicies}) comes first; a login that requires TLS requires it whatever that
     * policy says (with a verified certificate when the operator set that up, unless the policy
     * verifies already); otherwise STARTTLS is opportunistic, and only a server we do not log in
     * to gets a plaintext retry.
     */
    private TlsPolicy tlsPolicy(Way way, Hop hop, Credentials login) {
        if (way.lmtp()) return TlsPolicy.NONE;
        SSLContext any = settings.tls() != null ? settings.tls() : OpportunisticTls.context();
        TlsPolicies.Decision published = way.published().forHost(hop.host());
        TlsPolicy configured = published instanceof TlsPolicies.Decision.Dane d ? dane(d, hop.host(), any)
                : routes.tls().policyFor(way.siteDomain(), any, login == null).orElse(null);
        if (configured == null && published instanceof TlsPolicies.Decision.Enforce e)
            configured = new TlsPolicy.Required(e.verifying(), true, "by the " + e.source(), "mta-sts");
        boolean loginNeedsTls = login != null && login.requireTls();
        if (configured instanceof TlsPolicy.Required r && (r.verify() || !loginNeedsTls || login.tls() == null)) return configured;
        if (loginNeedsTls)
            return new TlsPolicy.Required(login.tls() != null ? login.tls() : any, login.tls() != null, "before AUTH");
        if (configured != null) return configured;
        if (settings.tls() == null) return TlsPolicy.NONE;
        return new TlsPolicy.Opportunistic(settings.tls(), login == null);
    }

    /**
     * RFC 7672 §2.2: TLS authenticated by the host's TLSA records (the context checks them, and
     * names where the records ask for it), or TLS of any kind when none of its records is usable;
     * never plain text.
     */
    private static TlsPolicy dane(TlsPolicies.Decision.Dane d, String host, SSLContext any) {
        SSLContext authenticating = d.hosts().contexts().get(host.toLowerCase(Locale.ROOT));
        return authenticating != null ? new TlsPolicy.Required(authenticating, true, "by the DANE TLSA records", "dane")
                : new TlsPolicy.Required(any, false, "by the DANE TLSA records (none usable)", "dane");
    }

    /** Connections are reused only for the same protocol, the same login (or none), the same TLS policy and the same source address. */
    private record CacheKey(InetSocketAddress server, boolean lmtp, Credentials login, TlsPolicy tls, java.net.InetAddress source) {}

    /**
     * What a server said when it did not settle the recipients still pending: for the log, and
     * for their outcome when no later server does better.
     *
     * @param byServer       whether {@code reply} is the server's own (it is then the DSN's Remote-MTA), not ours
     * @param refusedForGood whether the server refused the session with a 5xx to HELO
     * @param signal         what it tells traffic shaping
     */
    private record LastWord(Hop hop, Reply reply, boolean byServer, String tls, boolean refusedForGood, Signal signal) {
        LastWord(Hop hop, Reply reply, boolean byServer, String tls, boolean refusedForGood) {
            this(hop, reply, byServer, tls, refusedForGood, Signal.NONE);
        }

        String forLog() {
            return (byServer ? "refused to talk to us: " : "") + diagnostic(reply);
        }
    }

    /**
     * What a server's last word tells traffic shaping: it asked us to slow down (its mail waits for
     * the site's next opening, not counted as an attempt), or it could not be reached or dropped
     * the connection (the site slows down, and the mail is deferred as usual: a site that is down
     * is not a site that is busy).
     */
    private enum Signal { NONE, SLOW_DOWN, UNREACHABLE }

    /** How one try at one server ended. */
    private sealed interface Try {
        /** The server settled some recipients, or all; those it left unanswered go on to the next server. */
        record Settled(List<Attempt> attempts, List<Integer> unanswered, LastWord why) implements Try {}

        /** The server took nothing: it could not be reached, would not talk, or TLS or the login was not as required. */
        record NotTaken(LastWord why) implements Try {}

        /** The TLS handshake failed: the connection is unusable; the TLS policy says whether plain text may follow. */
        record TlsFailed(LastWord why, String cause) implements Try {}

        /** Traffic shaping allows no new connection to the site now. */
        record Throttled(Wait until) implements Try {}
    }

    /**
     * Along a route under traffic shaping: the recipients in transactions of at most the site's
     * {@code recipients_per_message}, each admitted by the shaper first. What it holds back is
     * {@link Outcome.Postponed}, not tried.
     */
    private List<Attempt> shaped(Envelope env, long size, OutgoingMessage.Content content, List<Integer> idx, List<Hop> hops, Way way) {
        List<String> servers = hops.stream().map(Hop::host).distinct().toList();
        Site site = shaper.site(way.siteDomain(), servers);
        hops = site.addresses().order(hops, Hop::host, Hop::address);
        int per = site.limits().recipientsPerMessage();
        List<Attempt> out = new ArrayList<>();
        for (int from = 0; from < idx.size(); from += per) {
            List<Integer> chunk = idx.subList(from, Math.min(idx.size(), from + per));
            switch (shaper.admit(site)) {
                case Wait w -> {
                    List<Integer> rest = idx.subList(from, idx.size());
                    log.debug("{}: {} recipients for {} postponed: {}", env.id(), rest.size(), way.name(), w.reason());
                    out.addAll(postpone(env, rest, w));
                    return out;
                }
                case Permit p -> out.addAll(viaHops(env, size, content, chunk, hops, way, p));
            }
        }
        return out;
    }

    /** Recipients traffic shaping holds back: not tried (or told to slow down, {@code tried}), for later. */
    private static List<Attempt> postpone(Envelope env, List<Integer> idx, Wait w) {
        Outcome o = new Outcome.Postponed(new Reply(451, "4.4.5", "Held back by traffic shaping: " + w.reason()), w.until());
        List<Attempt> out = new ArrayList<>();
        for (int i : idx) out.add(new Attempt(i, o, null, false));
        return out;
    }

    /**
     * The servers of a route in order, until no recipient is left. A server that settles some
     * recipients keeps its verdicts, and those it left unanswered (its connection broke first) go
     * on to the next; a server that takes nothing is skipped. When the servers run out, what the
     * last one said decides for the rest.
     */
    private List<Attempt> viaHops(Envelope env, long size, OutgoingMessage.Content content, List<Integer> idx, List<Hop> hops, Way way,
            Permit permit) {
        var parcel = new Parcel(env, size, content);
        List<Attempt> settled = new ArrayList<>();
        List<Integer> pending = idx;
        List<LastWord> said = new ArrayList<>();
        String pool = way.lmtp() || sources.isEmpty() ? null : sources.poolFor(way.senderDomain());
        boolean fellBack = false;
        for (Hop hop : hops) {
            Credentials login = credentials(way, hop);
            TlsPolicy tls = requiresTls(env) && !way.lmtp() ? verifiedForRequireTls(tlsPolicy(way, hop, login)) : tlsPolicy(way, hop, login);
            boolean plaintextRetry = tls instanceof TlsPolicy.Opportunistic o && o.plaintextRetry();
            if (plaintextRetry && failedHandshakes.recent(hop, clock)) tls = TlsPolicy.NONE;
            Try t = tryHop(parcel, pending, hop, way, login, tls, permit, pool);
            String fallback = pool == null || fellBack ? null : sources.fallback(pool);
            if (t instanceof Try.NotTaken n && fallback != null) {
                // a destination that will not take mail from this pool may take it from another
                log.info("{}: relay={}: {}; trying again from pool {}", env.id(), hop, n.why().forLog(), fallback);
                pool = fallback;
                fellBack = true;
                t = tryHop(parcel, pending, hop, way, login, tls, permit, pool);
            }
            if (t instanceof Try.TlsFailed f && plaintextRetry) {
                // RFC 7435: opportunistic TLS must not stop the mail; the same server again, in plain text, and so for a while
                failedHandshakes.record(hop, clock);
                log.info("{}: relay={}: {}; trying again without TLS (opportunistic TLS), and without TLS for its mail in the next {}",
                        env.id(), hop, f.cause(), SmtpClient.human(failedHandshakes.memory()));
                t = tryHop(parcel, pending, hop, way, login, TlsPolicy.NONE, permit, pool);
            }
            switch (t) {
                case Try.Settled s -> {
                    settled.addAll(s.attempts());
                    pending = s.unanswered();
                    if (pending.isEmpty()) return told(settled, said, permit);
                    said.add(s.why());
                }
                case Try.NotTaken n -> said.add(requiresTls(env) ? requireTlsVerdict(n.why()) : n.why());
                case Try.TlsFailed f -> said.add(requiresTls(env) ? requireTlsVerdict(f.why()) : f.why());
                case Try.Throttled th -> {
                    if (settled.isEmpty() && permit != null) shaper.unused(permit);
                    log.debug("{}: {} recipients for {} postponed: {}", env.id(), pending.size(), way.name(), th.until().reason());
                    settled.addAll(postpone(env, pending, th.until()));
                    return told(settled, said, permit);
                }
            }
            log.info("{}: relay={}: {}", env.id(), hop, said.getLast().forLog());
        }
        settled.addAll(unsettled(env, pending, said));
        return told(settled, said, permit);
    }

    /**
     * Whether the message asks for REQUIRETLS (RFC 8689) on every hop. A bounce (null reverse-path)
     * never fails for it (§4.2.1): it is sent with the parameter where the server offers it.
     */
    private static boolean requiresTls(Envelope env) {
        return env.requireTls() && !env.sender().isNull();
    }

    /** RFC 8689 §4.2.1 step 4: the server's certificate must be authenticated, by DANE or for the MX host's name. */
    private TlsPolicy verifiedForRequireTls(TlsPolicy policy) {
        if (policy instanceof TlsPolicy.Required r && r.verify()) return policy;
        return new TlsPolicy.Required(routes.tls().verifying(), true, "by REQUIRETLS (RFC 8689)", "requiretls");
    }

    /**
     * What a server that could not be used over the TLS REQUIRETLS asks for said, as RFC 8689
     * §4.2.1 has it: no protected session (5.7.10) or no REQUIRETLS (5.7.30), final once every MX
     * host has failed so. A server that could not be reached stays a reason to try again later.
     */
    private static LastWord requireTlsVerdict(LastWord w) {
        Reply r = w.reply();
        if (r.enhanced().equals("5.7.30") || r.enhanced().equals("5.7.10")) return w;
        boolean tlsTrouble = r.enhanced().startsWith("4.7.") || r.lines().getFirst().contains("TLS handshake failed");
        if (!tlsTrouble) return w;
        return new LastWord(w.hop(), new Reply(550, "5.7.10", "Encryption needed (REQUIRETLS): " + diagnostic(r)), false, w.tls(), true);
    }

    /**
     * Tells the shaper how the site answered. A site that asked us to slow down (or could not be
     * reached) and took nothing has its recipients postponed, not deferred: the message waits for
     * the site's next opening without the attempt counting against it.
     */
    private List<Attempt> told(List<Attempt> attempts, List<LastWord> said, Permit permit) {
        if (permit == null) return attempts;
        String slow = null;
        boolean answered = false;
        for (Attempt a : attempts) {
            if (a.remoteMta() == null || a.outcome() instanceof Outcome.Postponed) continue;
            if (SlowDown.means(a.outcome().reply())) {
                if (slow == null) slow = diagnostic(a.outcome().reply()) + " from " + a.remoteMta();
            } else if (!(a.outcome() instanceof Outcome.Deferred)) {
                answered = true;
            }
        }
        String unreachable = null;
        for (LastWord w : said) {
            if (slow == null && w.signal() == Signal.SLOW_DOWN) slow = w.hop() + ": " + w.forLog();
            if (unreachable == null && w.signal() == Signal.UNREACHABLE) unreachable = w.hop() + ": " + w.forLog();
        }
        if (answered) {
            shaper.delivered(permit);
            if (slow != null || unreachable != null) shaper.slowDown(permit, slow != null ? slow : unreachable);
            return attempts;
        }
        if (slow == null) {
            if (unreachable != null) shaper.slowDown(permit, unreachable);
            return attempts;
        }
        Instant until = shaper.slowDown(permit, slow);
        if (until == null || !attempts.stream().allMatch(a -> a.outcome() instanceof Outcome.Deferred || a.outcome() instanceof Outcome.Postponed))
            return attempts;
        return attempts.stream().map(a -> a.outcome() instanceof Outcome.Postponed ? a
                : new Attempt(a.recipientIndex(), new Outcome.Postponed(a.outcome().reply(), until), a.remoteMta(), a.remoteDsn(),
                        a.finalDelivery(), a.answerTime())).toList();
    }

    /**
     * No server settled these recipients. A permanent refusal bounces them only when every
     * server refused the session for good; after any other trouble on the way they wait.
     */
    private List<Attempt> unsettled(Envelope env, List<Integer> pending, List<LastWord> said) {
        LastWord last = said.getLast();
        Reply reason = last.reply();
        boolean byServer = last.byServer();
        if (reason.isPermanent() && !said.stream().allMatch(LastWord::refusedForGood)) {
            reason = new Reply(451, "4.4.1", reason.lines().getFirst());
            byServer = false;
        }
        return finish(env, pending, Outcome.of(reason), last.hop().toString(), byServer ? last.hop().host() : null, last.tls());
    }

    /** One try at one server: a kept connection if there is one (a fresh one if it turns out stale), else a new one. */
    private Try tryHop(Parcel parcel, List<Integer> pending, Hop hop, Way way, Credentials login, TlsPolicy tls, Permit permit,
            String pool) {
        Source source = null;
        switch (sources.pick(pool, hop.address())) {
            case SourceAddresses.Pick.Use u -> source = u.source();
            case SourceAddresses.Pick.Later l -> {
                return new Try.Throttled(l.until());
            }
            case SourceAddresses.Pick.NoneOfFamily n -> {
                String family = hop.address() instanceof java.net.Inet6Address ? "IPv6" : "IPv4";
                return new Try.NotTaken(new LastWord(hop, new Reply(451, "4.4.0", "Pool " + n.pool() + " has no " + family
                        + " address to reach " + hop + " from"), false, "", false));
            }
            case SourceAddresses.Pick.Any a -> { }
        }
        var key = new CacheKey(hop.socketAddress(), way.lmtp(), login, tls, source == null ? null : source.address());
        SmtpClient kept = cache.take(key);
        if (kept != null) {
            Lease held = leases.get(kept);
            if (held != null) shaper.renew(held);
            try {
                return transact(parcel, pending, hop, way, key, kept, permit);
            } catch (IOException e) {
                kept.close(); // it went stale while idle
            }
        }
        Lease lease = null;
        if (permit != null) {
            switch (shaper.open(permit.site())) {
                case Wait w -> {
                    return new Try.Throttled(w);
                }
                case Lease l -> lease = l;
            }
        }
        SmtpClient c = null;
        try {
            c = way.lmtp() ? SmtpClient.connectLmtp(hop.socketAddress(), hop.host(), settings)
                    : source != null ? SmtpClient.connectFrom(source.address(), hop.socketAddress(), hop.host(), settings.withHeloName(source.helo()))
                    : SmtpClient.connect(hop.socketAddress(), hop.host(), settings);
            if (lease != null) {
                Lease held = lease;
                SmtpClient client = c;
                leases.put(client, held);
                c.onClose(() -> {
                    leases.remove(client);
                    shaper.release(held);
                });
            }
            LastWord refused = open(c, hop, login, tls);
            if (refused != null) {
                if (c.tls().isEmpty() && refused.reply().enhanced().equals("4.7.0") && refused.reply().lines().getFirst().startsWith("TLS is required"))
                    reportSession(way, hop, "starttls-not-supported", diagnostic(refused.reply()));
                c.quit();
                return new Try.NotTaken(refused);
            }
            if (!c.tls().isEmpty()) reportSession(way, hop, null, null);
            else if (way.published().forHost(hop.host()) instanceof TlsPolicies.Decision.Testing)
                reportSession(way, hop, "starttls-not-supported", "no STARTTLS");
            return transact(parcel, pending, hop, way, key, c, permit);
        } catch (SmtpClient.TlsFailure e) {
            c.close(); // the peer is in an unknown state: no QUIT
            reportSession(way, hop, resultType(e), e.getMessage());
            return new Try.TlsFailed(new LastWord(hop, SmtpClient.failure(hop.toString(), e), false, "", false), e.getMessage());
        } catch (IOException e) {
            if (c != null) c.close();
            else if (lease != null) shaper.release(lease);
            // refused, reset or timed out: for traffic shaping, a site that would not take us
            Reply failure = SmtpClient.failure(hop.toString(), e);
            boolean unreachable = !(e instanceof SmtpClient.SourceUnusable) && failure.code() == 421; // not a protocol error
            return new Try.NotTaken(new LastWord(hop, failure, false, "", false, unreachable ? Signal.UNREACHABLE : Signal.NONE));
        }
    }

    /** Tells TLS reporting how TLS went with {@code hop} under the domain's published policy ({@code resultType} null: it went well). */
    private void reportSession(Way way, Hop hop, String resultType, String detail) {
        TlsPolicies.Decision policy = hop == null ? way.published() : way.published().forHost(hop.host());
        if (way.relay() || policy instanceof TlsPolicies.Decision.NoPolicy) return;
        var sessions = routes.tls().sessions();
        String host = hop == null ? null : hop.host();
        String receiving = hop == null || hop.address() == null ? null : hop.address().getHostAddress();
        if (resultType == null) sessions.succeeded(way.siteDomain(), policy, host);
        else sessions.failed(way.siteDomain(), policy, host, resultType, receiving, detail);
    }

    /** RFC 8460 §4.3's name for why a handshake failed, read from the JDK's account of it. */
    static String resultType(SmtpClient.TlsFailure e) {
        String why = String.valueOf(e.getMessage()) + " " + (e.getCause() == null ? "" : String.valueOf(e.getCause().getMessage()));
        String lower = why.toLowerCase(Locale.ROOT);
        if (lower.contains("dane: ")) return "tlsa-invalid"; // the chain matches none of the host's TLSA records
        if (lower.contains("no subject alternative") || lower.contains("no name matching")) return "certificate-host-mismatch";
        if (lower.contains("expired") || lower.contains("not yet valid")) return "certificate-expired";
        if (lower.contains("pkix") || lower.contains("unable to find valid certification path")) return "certificate-not-trusted";
        return "validation-failure";
    }

    /** Greeting, EHLO or HELO, STARTTLS and AUTH: null when the connection is ready for mail, else why this server is not used. */
    private LastWord open(SmtpClient c, Hop hop, Credentials login, TlsPolicy tls) throws IOException {
        if (c.greeting().code() / 100 != 2) return refusal(hop, c.greeting(), true, "");
        Reply hello = c.hello(tls);
        if (!c.tls().isEmpty()) metrics.tlsStarted(c.tls());
        if (hello.code() / 100 != 2) return refusal(hop, hello, false, c.tls());
        Reply unmet = tlsUnmet(c, hop, tls);
        if (unmet != null) return new LastWord(hop, unmet, false, c.tls(), false);
        Reply notLoggedIn = login(c, hop, login);
        if (notLoggedIn != null) return new LastWord(hop, notLoggedIn, false, c.tls(), false); // ours, even quoting the server: no Remote-MTA
        return null;
    }

    /**
     * A server that will not talk to us. A 5xx greeting is not a verdict on the message: it is a
     * host that will not talk to us, the next MX may, and the host itself may be mended within
     * the hour (Postfix's smtp_skip_5xx_greeting), so it counts as temporary. A 5xx to HELO is
     * the server's refusal for good.
     */
    private static LastWord refusal(Hop hop, Reply r, boolean atGreeting, String tls) {
        if (r.code() < 400) {
            String what = atGreeting ? "greeted us with " : "answered EHLO or HELO with ";
            return new LastWord(hop, new Reply(451, "4.5.0", "Protocol error with " + hop + ": it " + what + r), false, tls, false);
        }
        if (atGreeting && r.isPermanent()) {
            String enhanced = r.enhanced().isEmpty() ? "4.3.2" : "4" + r.enhanced().substring(1);
            return new LastWord(hop, new Reply(421, enhanced, hop + " refused to talk to us: " + diagnostic(r)), false, tls, false);
        }
        return new LastWord(hop, r, true, tls, r.isPermanent(), SlowDown.means(r) ? Signal.SLOW_DOWN : Signal.NONE);
    }

    /** Null when the connection is as the TLS policy wants, else our reason not to use it. */
    private static Reply tlsUnmet(SmtpClient c, Hop hop, TlsPolicy tls) {
        if (!(tls instanceof TlsPolicy.Required required) || !c.tls().isEmpty()) return null;
        Reply refused = c.startTlsRefusal();
        return new Reply(454, "4.7.0", "TLS is required " + required.reason() + " with " + hop.host() + ", and it did not start TLS"
                + (refused == null ? "" : ": " + diagnostic(refused)));
    }

    /**
     * The message to the pending recipients on a ready connection: the server's verdicts, and the
     * recipients it left unanswered. Throws only when a kept connection turns out stale.
     */
    private Try transact(Parcel parcel, List<Integer> pending, Hop hop, Way way, CacheKey key, SmtpClient c, Permit permit)
            throws IOException {
        Envelope env = parcel.envelope();
        OutgoingMessage m;
        try {
            m = parcel.forServer(c, pending);
        } catch (IOException e) {
            // the queued message could not be read (to make it 7-bit): our trouble, which no other server would mend
            cache.give(key, c);
            return new Try.Settled(finish(env, pending, Outcome.of(SmtpClient.unreadable(e)), hop.toString(), null, c.tls()), List.of(), null);
        }
        Reply cannot = c.cannotTake(m);
        if (cannot != null && requiresTls(env) && (cannot.enhanced().equals("5.7.30") || cannot.enhanced().equals("5.7.10"))) {
            // RFC 8689 §4.2.1: this MX host will not do; the next may. The connection stays good for other mail.
            cache.give(key, c);
            return new Try.NotTaken(new LastWord(hop, cannot, false, c.tls(), true));
        }
        if (cannot != null) {
            // our own verdict from what the server advertised: no Remote-MTA, no Diagnostic-Code
            cache.give(key, c);
            return new Try.Settled(finish(env, pending, Outcome.of(cannot), hop.toString(), null, c.tls()), List.of(), null);
        }
        Sent sent = c.send(m);
        List<Attempt> attempts = new ArrayList<>();
        List<Integer> unanswered = new ArrayList<>();
        for (int k = 0; k < pending.size(); k++) {
            int i = pending.get(k);
            if (sent.unanswered().contains(k)) {
                if (sent.local()) {
                    // our trouble (the queued message could not be read): deferred now, not taken to the next server
                    Outcome o = sent.outcomes().get(k);
                    attempts.add(new Attempt(i, o, null, false));
                    logAttempt(env, env.recipients().get(i), relayName(hop, key), tlsForLog(c, key.tls()), o);
                } else {
                    unanswered.add(i);
                }
                continue;
            }
            Outcome o = sent.outcomes().get(k);
            attempts.add(new Attempt(i, o, hop.host(), !way.lmtp() && c.offers("DSN"), way.lmtp(), c.answerTime()));
            logAttempt(env, env.recipients().get(i), relayName(hop, key), tlsForLog(c, key.tls()), o);
        }
        if (permit != null && permit.site().limits().messagesPerConnection() > 0
                && c.messages() >= permit.site().limits().messagesPerConnection()) c.quit();
        cache.give(key, c); // kept only if still open
        // a connection lost in the transaction: for traffic shaping, a site that would not keep us
        Reply lost = unanswered.isEmpty() ? null : sent.outcomes().get(sent.unanswered().iterator().next()).reply();
        LastWord why = lost == null ? null
                : new LastWord(hop, lost, false, c.tls(), false, lost.code() == 421 ? Signal.UNREACHABLE : Signal.NONE);
        return new Try.Settled(attempts, unanswered, why);
    }

    /** The message of one delivery attempt, for whichever recipients are still pending, made 7-bit once if a server needs it. */
    private static final class Parcel {
        private final Envelope env;
        private final long size;
        private final OutgoingMessage.Content content;
        private OutgoingMessage sevenBit;

        Parcel(Envelope env, long size, OutgoingMessage.Content content) {
            this.env = env;
            this.size = size;
            this.content = content;
        }

        Envelope envelope() {
            return env;
        }

        OutgoingMessage forServer(SmtpClient c, List<Integer> pending) throws IOException {
            List<Recipient> rcpts = pending.stream().map(i -> env.recipients().get(i)).toList();
            if (env.body() != Body.EIGHT_BIT_MIME || c.offers("8BITMIME")) return new OutgoingMessage(env, rcpts, size, content);
            // still 8-bit (and refused by cannotTake) when it could not be converted
            if (sevenBit == null) sevenBit = sevenBit(new OutgoingMessage(env, rcpts, size, content));
            return new OutgoingMessage(sevenBit.envelope(), rcpts, sevenBit.size(), sevenBit.content());
        }
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
                    c.content().length, () -> new ByteArrayInputStream(c.content()));
            case SevenBitDowngrade.Result.Impossible i -> {
                log.info("{}: cannot make the message 7-bit: {}", m.envelope().id(), i.reason());
                yield m;
            }
        };
    }

    /**
     * SMTP AUTH where credentials are configured for this host; null when logged in or none is
     * needed, else why not. Never to a server that did not offer AUTH, and never in clear when TLS
     * is required (the TLS policy has seen to that already). A refusal is temporary: the
     * operator's setting is wrong, not the message.
     */
    private Reply login(SmtpClient c, Hop hop, Credentials cred) throws IOException {
        if (cred == null) return null;
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

    /**
     * What the log says of TLS: the protocol and cipher or none, the policy that applied, and
     * whether the certificate was verified (only a policy that verifies checks it).
     */
    private static String tlsForLog(SmtpClient c, TlsPolicy policy) {
        if (c.tls().isEmpty()) return "none (policy " + policy.level() + ")";
        boolean verified = policy instanceof TlsPolicy.Required r && r.verify();
        return c.tls() + " (policy " + policy.level() + ", certificate " + (verified ? "verified" : "not verified") + ")";
    }

    /** The server as the log names it, with the local address we sent from when one was chosen ({@code [[delivery.sources]]}). */
    private static String relayName(Hop hop, CacheKey key) {
        return key.source() == null ? hop.toString() : hop + " from " + key.source().getHostAddress();
    }

    private void logAttempt(Envelope env, Recipient r, String relay, String tls, Outcome o) {
        String status = switch (o) {
            case Outcome.Delivered d -> "sent";
            case Outcome.Deferred d -> "deferred";
            case Outcome.Failed f -> "bounced";
            case Outcome.Held h -> "hold";
            case Outcome.Postponed p -> "postponed";
        };
        double delay = Duration.between(env.arrival(), clock.instant()).toMillis() / 1000.0;
        log.info("{}: to=<{}>, relay={}, delay={}, tls={}, dsn={}, status={} ({})", env.id(), r.address(), relay,
                String.format("%.1f", delay), tls.isEmpty() ? "none" : tls, o.reply().enhanced().isEmpty() ? "-" : o.reply().enhanced(),
                status, diagnostic(o.reply()));
        HistoryEvent.Result result = switch (o) {
            case Outcome.Delivered d -> HistoryEvent.Result.DELIVERED;
            case Outcome.Deferred d -> HistoryEvent.Result.DEFERRED;
            case Outcome.Failed f -> HistoryEvent.Result.BOUNCED;
            case Outcome.Held h -> HistoryEvent.Result.HELD;
            case Outcome.Postponed p -> null; // not an attempt: traffic shaping kept it back, and may many times
        };
        if (result != null) history.record(new HistoryEvent.Attempt(clock.instant(), env.id(), r.address().toString(),
                env.schedule().attempts() + 1, result, relay.equals("none") ? "" : relay, tls, diagnostic(o.reply())));
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
