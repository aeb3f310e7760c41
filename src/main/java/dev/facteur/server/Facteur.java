package dev.facteur.server;

import dev.facteur.activity.Activity;
import dev.facteur.admin.AdminServer;
import dev.facteur.admin.ReloadEndpoint;
import dev.facteur.auth.srs.Srs;
import dev.facteur.auth.srs.SrsSecrets;
import dev.facteur.autoconfig.AutoconfigServer;
import dev.facteur.bounce.SenderRates;
import dev.facteur.bounce.SuppressionFeed;
import dev.facteur.bounce.Suppressions;
import dev.facteur.bounce.Verp;
import dev.facteur.config.CheckedConfig;
import dev.facteur.config.Config;
import dev.facteur.config.ConfigLoader;
import dev.facteur.config.ConfigProblem;
import dev.facteur.delivery.Attempt;
import dev.facteur.delivery.Credentials;
import dev.facteur.delivery.DeliveryAgent;
import dev.facteur.delivery.OutgoingMessage;
import dev.facteur.delivery.TlsPolicies;
import dev.facteur.dns.DnsJavaResolver;
import dev.facteur.dsn.DsnWriter;
import dev.facteur.events.EventLogSettings;
import dev.facteur.events.EventSink;
import dev.facteur.events.Events;
import dev.facteur.events.WebhookSettings;
import dev.facteur.history.DeliveryHistory;
import dev.facteur.history.HistoryEvent;
import dev.facteur.history.HistoryReader;
import dev.facteur.history.HistorySink;
import dev.facteur.history.MessageIdScanner;
import dev.facteur.inject.Injection;
import dev.facteur.io.SecretLines;
import dev.facteur.local.MaildirDelivery;
import dev.facteur.message.Envelope;
import dev.facteur.message.Mailbox;
import dev.facteur.message.QueueId;
import dev.facteur.metrics.Metrics;
import dev.facteur.queue.OwnMailSigner;
import dev.facteur.queue.QueueManager;
import dev.facteur.queue.RetryPolicy;
import dev.facteur.reports.DmarcReportSender;
import dev.facteur.reports.tls.TlsReportRecorder;
import dev.facteur.reports.tls.TlsReportSender;
import dev.facteur.routing.AddressResolver;
import dev.facteur.routing.Aliases;
import dev.facteur.routing.BounceDomain;
import dev.facteur.routing.CanonicalMap;
import dev.facteur.routing.LocalUsers;
import dev.facteur.routing.MapFile;
import dev.facteur.routing.ReloadingFile;
import dev.facteur.routing.Tables;
import dev.facteur.routing.Transport;
import dev.facteur.routing.TransportMap;
import dev.facteur.shaping.Shaper;
import dev.facteur.shaping.SourceAddresses;
import dev.facteur.smtp.MessageSink;
import dev.facteur.smtp.SmtpServer;
import dev.facteur.spool.FreeSpace;
import dev.facteur.spool.LogSpool;
import dev.facteur.spool.Spool;
import dev.facteur.spool.SpoolFullException;
import dev.facteur.store.Stores;
import dev.facteur.sts.MtaSts;
import dev.facteur.sts.PolicyFetcher;
import dev.facteur.sts.StsServer;
import dev.facteur.tls.VerifiedTls;
import dev.facteur.unsubscribe.UnsubscribeServer;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running Facteur: the spool and the SMTP listeners built from a {@link Config}. A reload
 * ({@link #reload()}: SIGHUP, {@code facteur reload}) builds what a configuration shapes again
 * ({@link Generation}) and hands it to the sessions and delivery attempts that start after it;
 * the spool, the queue and what else lives across configurations ({@link Lasting}) stay.
 */
public final class Facteur implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger("facteur");

    private final Spool spool;
    private final SmtpServer smtp;
    /** Port 587 (STARTTLS) and port 465 (implicit TLS): listening on nothing when [submission] opens none. */
    private final SmtpServer submission, submissions;
    private final List<AutoconfigServer> autoconfigs;
    private final QueueManager queue;
    private final DeliveryHandover delivery; // null: delivery off
    private final AdminServer admin;
    private final Lasting lasting;
    private volatile Stores stores; // null until a configuration needs the policy store
    /** What the configuration in force built: a reload replaces it. */
    private final AtomicReference<Generation> current;
    private final DmarcReportSender dmarcReports; // null: reports off
    private final TlsReportSender tlsReports; // null: reports off
    private final Events events; // null: events off
    private final UnsubscribeServer unsubscribe; // null: [unsubscribe] off, or delivery off
    private final StsServer mtaSts; // null: [mta_sts] listens nowhere
    private final DeliveryHistory history; // null: [history] off

    private Facteur(AtomicReference<Generation> current, Lasting lasting, Spool spool, SmtpServer smtp, SmtpServer submission, SmtpServer submissions,
            List<AutoconfigServer> autoconfigs, QueueManager queue, DeliveryHandover delivery, AdminServer admin, Stores stores,
            DmarcReportSender dmarcReports, TlsReportSender tlsReports, Events events, UnsubscribeServer unsubscribe, StsServer mtaSts,
            DeliveryHistory history) {
        this.history = history;
        this.current = current;
        this.lasting = lasting;
        this.mtaSts = mtaSts;
        this.events = events;
        this.unsubscribe = unsubscribe;
        this.autoconfigs = List.copyOf(autoconfigs);
        this.submission = submission;
        this.submissions = submissions;
        this.spool = spool;
        this.smtp = smtp;
        this.queue = queue;
        this.delivery = delivery;
        this.admin = admin;
        this.stores = stores;
        this.dmarcReports = dmarcReports;
        this.tlsReports = tlsReports;
    }

    /** Opens the spool, binds the listeners; if any step fails nothing is left running. */
    public static Facteur start(Config config) throws IOException {
        return start(config, Clock.systemDefaultZone());
    }

    /** As {@link #start(Config)}, with the time the queue, the SMTP server and delivery go by (tests move it). */
    public static Facteur start(Config config, Clock clock) throws IOException {
        Metrics metrics = config.admin().metrics() ? Metrics.prometheus(clock) : Metrics.NONE; // served at the admin interface's /metrics
        Spool spool = LogSpool.open(config.spoolDir()).measuredBy(metrics.spool());
        List<AutoCloseable> opened = new ArrayList<>();
        List<AutoconfigServer> autoconfigs = new ArrayList<>();
        try {
            DeliveryHistory history = config.history().enabled() ? DeliveryHistory.open(config.history(), clock) : null;
            if (history != null) opened.add(history);
            HistorySink trail = history == null ? HistorySink.NONE : history;
            // ids go on from the newest queued one: a clock set back across a restart must not reuse one
            QueueId.Generator ids = spool.messages().stream().map(m -> m.envelope().id()).max(QueueId::compareTo)
                    .map(QueueId.Generator::new).orElseGet(QueueId.Generator::new);
            var d = config.delivery();
            Activity activity = new Activity(clock); // the last day, for the dashboard (/api/activity)
            if (history != null) recall(activity, config.history().directory(), clock);
            Events eventLog = null;
            EventSink events = EventSink.NONE;
            // the policy checks' state, the submission ports' failed logins, and the suppression list of delivery
            Stores stores = needsStores(config) ? Defences.openStores(config) : null;
            if (stores != null) opened.add(stores);
            Suppressions suppressions = null; // kept only with delivery: the list is about the mail we send
            TlsReportRecorder tlsSessions = TlsReporting.recorder(config, stores, clock); // how TLS went, for TLS reports (RFC 8460)
            SenderRates rates = null;
            TlsPolicies.Published published = null;
            Shaper shaper = null;
            SourceAddresses sources = SourceAddresses.NONE;
            if (d.enabled()) {
                suppressions = new Suppressions(stores.suppressions(), config.suppression().settings(), clock);
                if (config.events().enabled()) {
                    var e = config.events();
                    eventLog = Events.open(EventLogSettings.in(e.directory()),
                            e.webhook().map(u -> WebhookSettings.to(u, e.webhookSecret()).withBatchSize(e.batchSize())));
                    opened.add(eventLog);
                    events = eventLog;
                    log.info("events: {}{}", e.directory().resolve("events.log"), e.webhook().map(u -> ", and POSTed to " + u).orElse(""));
                }
                rates = new SenderRates(stores.rates(), events, clock);
                events = rates; // the reputation counts see every outcome on its way to the log
                events = Metering.outcomes(metrics, events); // and so do the metrics, by destination
                events = activity.hearing(events); // and the dashboard's activity
                if (config.mtaSts().policies()) {
                    var s = config.mtaSts();
                    var dns = new DnsJavaResolver(config.dns().servers(), Duration.ofSeconds(5), 2).measuredBy(metrics.dns());
                    var sts = new MtaSts(dns, PolicyFetcher.Settings.of(s.policyPort(), s.caFile()), s.cacheDir(), clock);
                    opened.add(sts.refreshEvery(Duration.ofHours(1)));
                    published = SecureTransport.mtaSts(sts, VerifiedTls.context(s.caFile()), tlsSessions);
                }
                shaper = Shaping.shaper(config, stores, clock);
                sources = Shaping.sources(config, stores, clock);
            } else {
                log.info("delivery is disabled: messages stay in the queue");
            }
            Suppressions listed = config.suppression().enabled() ? suppressions : null;
            Lasting lasting = new Lasting(clock, metrics, d.enabled(), events, listed, tlsSessions, published, shaper, sources, trail);
            Generation g = Generation.build(config, lasting, stores);
            AtomicReference<Generation> now = new AtomicReference<>(g);
            DeliveryHandover delivery = null;
            QueueManager queue = null;
            if (d.enabled()) {
                delivery = new DeliveryHandover(g.agent());
                opened.add(delivery);
                // the DSNs we write are signed with the keys in force
                OwnMailSigner ownMail = (message, eightBit) -> now.get().ownMail().sign(message, eightBit);
                queue = new QueueManager(spool, delivery, new DsnWriter(config.hostname(), ZoneId.systemDefault()),
                        ownMail, config.hostname(), ids, new RetryPolicy(d.retryInitial(), d.retryMax(), d.maxLifetime(), d.delayWarning()),
                        clock, d.maxParallel(), d.maxPerDestination(), listed == null ? events : new SuppressionFeed(listed, events), trail);
                opened.add(queue);
                queue.start();
            }
            DmarcReportSender dmarcReports = DmarcReporting.start(config, g.dns(), stores, queue, clock); // null: reports off
            if (dmarcReports != null) opened.add(dmarcReports);
            TlsReportSender tlsReports = TlsReporting.start(config, g.dns(), stores, queue, clock); // null: reports off
            if (tlsReports != null) opened.add(tlsReports);
            AdminServer admin = null;
            UnsubscribeServer unsubscribe = null;
            if (queue != null) {
                admin = new AdminServer(config.admin().listen(), config.admin().tokenFile(), queue, g.policy(), suppressions, rates,
                        new Injection(config.sendmail().socket(), config.hostname(), config.smtp().maxMessageSize()));
                admin.serveMetrics(metrics, config.admin().metricsPublic());
                admin.serveQueueApi(queue, spool, new HistoryReader(config.history().directory()), history != null, clock);
                admin.serveDashboard(activity);
                admin.start();
                opened.add(admin);
                log.info("admin interface on http://{}", new dev.facteur.net.HostPort(admin.address().getHostString(), admin.address().getPort()));
                log.info("suppression list: {} (scope {}, {})", stores, config.suppression().settings().scope().name().toLowerCase(Locale.ROOT),
                        config.suppression().enabled() ? "checked at RCPT and fed by bounces and complaints" : "off: [suppression] enabled = false");
                unsubscribe = Unsubscribes.listen(config, suppressions, events, clock);
                if (unsubscribe != null) opened.add(unsubscribe);
            }
            long reserve = config.spool().minFreeSpace();
            FreeSpace room = reserve > 0 ? FreeSpace.of(config.spoolDir(), reserve) : null;
            MessageSink sink = sinkFor(spool, queue, room, activity.countingArrivals(trail)); // each message received counted as accepted
            SmtpServer smtp = new SmtpServer(g.mx().settings(), sink, g.mx().gate(), ids, clock);
            smtp.measuredBy(metrics, "smtp");
            smtp.start();
            opened.add(smtp);
            var local = config.sendmail();
            try {
                smtp.startLocal(local.socket(), user -> local.authorizedUsers().isEmpty() || local.authorizedUsers().contains(user));
            } catch (IOException | RuntimeException e) {
                log.error("local submission is off: cannot listen on {}: {} (facteur sendmail cannot reach this server)", local.socket(),
                        e.toString());
            }
            // the submission servers always exist, listening nowhere when not configured: a reload may open them
            SmtpServer submission = new SmtpServer(g.submission().settings(), sink, g.submission().gate(), ids, clock);
            SmtpServer submissions = new SmtpServer(g.submissions().settings(), sink, g.submissions().gate(), ids, clock);
            measure(metrics, g, submission, submissions);
            submission.start();
            opened.add(submission::close);
            submissions.start();
            opened.add(submissions::close);
            if (config.submission().enabled()) {
                for (var at : config.autoconfig().listen()) {
                    var server = new AutoconfigServer(at, ClientSetups.of(config, boundPort(submission), boundPort(submissions)),
                            domain -> config.local().domains().stream().anyMatch(ours -> ours.equalsIgnoreCase(domain)));
                    server.start();
                    opened.add(server);
                    autoconfigs.add(server);
                }
            }
            Metering.watch(metrics, config, spool);
            StsServer mtaSts = StsServer.start(config.mtaSts(), config.local().domains()); // null: no listener
            if (mtaSts != null) opened.add(mtaSts);
            log.info("Facteur started as {} (config: {}, data: {})", config.hostname(), config.source(),
                    config.dataDir().toAbsolutePath());
            g.describe(stores);
            if (history != null) log.info("delivery history: {} (kept {} days; facteur trace reads it)", config.history().directory(),
                    config.history().keep().toDays());
            var facteur = new Facteur(now, lasting, spool, smtp, submission, submissions, autoconfigs, queue, delivery, admin, stores,
                    dmarcReports, tlsReports, eventLog, unsubscribe, mtaSts, history);
            if (admin != null) admin.reloadWith(facteur::reloadForAdmin);
            return facteur;
        } catch (IOException | RuntimeException e) {
            for (AutoCloseable c : opened.reversed()) {
                try {
                    c.close();
                } catch (Exception ignored) {
                    // already failing
                }
            }
            spool.close();
            throw e;
        }
    }

    /** The policy checks' state, the submission ports' failed logins, and delivery's suppression list and rates live there. */
    /**
     * Counts into {@code activity} what the delivery history holds of the last day before now,
     * off the start's path: after a restart the dashboard's charts go on rather than start empty.
     * What happens from now on is counted as it happens, so the history is read up to now only.
     */
    private static void recall(Activity activity, Path historyDir, Clock clock) {
        Instant until = clock.instant();
        Thread.ofVirtual().name("activity-recall").start(() -> {
            try {
                new HistoryReader(historyDir).replay(until.minus(Duration.ofHours(Activity.MAX_HOURS)), until, activity::recall);
            } catch (IOException | UncheckedIOException e) {
                log.warn("dashboard activity: cannot read the delivery history in {}: {} (the charts start from now)", historyDir, e.toString());
            }
        });
    }

    private static boolean needsStores(Config config) {
        return Defences.needsStore(config) || config.submission().enabled() || config.submission().authOnPort25()
                || config.delivery().enabled();
    }

    /**
     * Reads the configuration file again ({@link Config#source()}) and applies it when it is
     * valid ({@link #reload(Config)}); one that is not, or whose files do not read, is refused
     * with its problems, each with file and line, and the running configuration stays.
     */
    public ReloadOutcome reload() {
        String source = current.get().config().source();
        // No file to read again: the same settings applied again still read again what they name
        // (the admin token file a new token was added to, renewed certificates).
        if (source.equals(ConfigLoader.EMBEDDED)) return reload(current.get().config());
        Path file = Path.of(source);
        if (!Files.isRegularFile(file))
            return refused(new ReloadOutcome.Refused(source, List.of(source + ": not a file to read again (was the server started with --config?)")));
        return switch (ConfigLoader.check(file)) {
            case CheckedConfig.Invalid invalid -> refused(new ReloadOutcome.Refused(source,
                    invalid.problems().stream().map(ConfigProblem::toString).toList()));
            case CheckedConfig.Valid valid -> reload(valid.config());
        };
    }

    /**
     * Applies {@code next} to the sessions and delivery attempts that start from now on: the SMTP
     * limits, TLS certificates, relay networks and domains, users, aliases and routing, policy
     * checks and filters, logins, DKIM signing; listen addresses added are opened and those
     * removed closed (their sessions under way go on to their end). What lives across
     * configurations keeps its settings until a restart, and the outcome names what changed there.
     * Refused, with nothing changed, when what it names cannot be built or bound.
     */
    public synchronized ReloadOutcome reload(Config next) {
        String source = next.source();
        List<String> restart = Restart.needed(current.get().config(), next);
        Generation g;
        Runnable tokens;
        try {
            // first: a token file the start would refuse refuses the reload before anything is built
            tokens = admin == null ? () -> {} : admin.tokensReadAgain();
            if (stores == null && needsStores(next)) stores = Defences.openStores(next);
            g = Generation.build(next, lasting, stores);
        } catch (IOException | RuntimeException e) {
            return refused(new ReloadOutcome.Refused(source, List.of(source + ": " + e.getMessage())));
        }
        List<SmtpServer.Change> changes = new ArrayList<>();
        try {
            changes.add(smtp.reconfigure(g.mx().settings(), g.mx().gate()));
            changes.add(submission.reconfigure(g.submission().settings(), g.submission().gate()));
            changes.add(submissions.reconfigure(g.submissions().settings(), g.submissions().gate()));
        } catch (IOException e) {
            changes.forEach(SmtpServer.Change::abandon);
            if (g.agent() != null) g.agent().close();
            return refused(new ReloadOutcome.Refused(source, List.of(source + ": " + e.getMessage())));
        }
        measure(lasting.metrics(), g, submission, submissions);
        Metering.certificates(lasting.metrics(), next);
        changes.forEach(SmtpServer.Change::commit);
        current.set(g);
        if (delivery != null) delivery.handOver(g.agent());
        if (admin != null) admin.explainWith(g.policy());
        tokens.run();
        var applied = new ReloadOutcome.Applied(source, restart);
        log.info("reload: {}", applied.message());
        g.describe(stores);
        return applied;
    }

    /** The submission listeners are counted once they listen somewhere: a port never opened shows no series. */
    private static void measure(Metrics metrics, Generation g, SmtpServer submission, SmtpServer submissions) {
        if (!g.submission().settings().listen().isEmpty()) submission.measuredBy(metrics, "submission");
        if (!g.submissions().settings().listen().isEmpty()) submissions.measuredBy(metrics, "submissions");
    }

    private static ReloadOutcome refused(ReloadOutcome.Refused r) {
        for (String problem : r.problems()) log.error("reload refused, the running configuration stays: {}", problem);
        return r;
    }

    /** {@code POST /reload}, as the admin interface reports it. */
    private ReloadEndpoint.Result reloadForAdmin() {
        return switch (reload()) {
            case ReloadOutcome.Applied a -> new ReloadEndpoint.Result(true, a.message(), List.of());
            case ReloadOutcome.Refused r -> new ReloadEndpoint.Result(false, r.message(), r.problems());
        };
    }

    /**
     * Users, aliases, rewriting and relay rules, with the operator's files read now (a broken one
     * stops the start). Also what {@code facteur address} asks, without a running server.
     */
    /**
     * The routing rules, for a command that explains them ({@code facteur address}): SRS addresses
     * are decoded only when the secrets are there to read (a command never makes them).
     */
    public static AddressResolver addressResolver(Config config) throws IOException {
        Verp verp = Bounces.verp(config, false);
        return addressResolver(config, srs(config, false), config.bounces().domain().isEmpty() ? null : Bounces.domain(config, verp));
    }

    static AddressResolver addressResolver(Config config, Srs srs, BounceDomain bounces) throws IOException {
        var l = config.local();
        var r = config.routing();
        LocalUsers inline = LocalUsers.of(l.users());
        Supplier<LocalUsers> fileUsers = table(l.usersFile(), LocalUsers::read, LocalUsers.NONE);
        var tables = new Tables(
                unionOnChange(inline, fileUsers),
                table(l.aliasesFile(), Aliases::read, Aliases.NONE),
                table(r.senderCanonicalFile(), CanonicalMap::read, CanonicalMap.NONE),
                table(r.recipientCanonicalFile(), CanonicalMap::read, CanonicalMap.NONE),
                table(r.transportFile(), TransportMap::read, TransportMap.NONE));
        var rules = new AddressResolver.Rules(l.domains(), config.hostname(), Set.copyOf(config.relay().domains()),
                config.relay().networks(), l.delimiter(), l.postmaster().orElse(null), r.masqueradeDomains(), r.rewriteHeaders());
        return new AddressResolver(rules, tables, srs, bounces);
    }

    /**
     * SRS with its secrets; null when off. {@code create}: the server's start makes them (32
     * random bytes, mode 0600) when missing; otherwise a missing or unreadable file means no SRS.
     */
    static Srs srs(Config config, boolean create) throws IOException {
        var c = config.srs();
        if (!c.enabled()) return null;
        Path file = c.secretsFile();
        if (!create && !Files.isReadable(file)) return null;
        if (SecretLines.createIfMissing(file)) log.info("SRS secret written to {}", file);
        return new Srs(SrsSecrets.read(file), c.domain(), java.time.Clock.systemUTC(), c.maxAge());
    }

    /** Configured users and the users file together, joined again only when the file's table changes. */
    private static Supplier<LocalUsers> unionOnChange(LocalUsers inline, Supplier<LocalUsers> file) {
        record Joined(LocalUsers fromFile, LocalUsers union) {}
        return new Supplier<>() {
            private volatile Joined last = new Joined(null, inline);

            @Override
            public LocalUsers get() {
                LocalUsers f = file.get();
                Joined j = last;
                if (f != j.fromFile()) last = j = new Joined(f, inline.and(f));
                return j.union();
            }
        };
    }

    private static <T> Supplier<T> table(java.util.Optional<java.nio.file.Path> file, ReloadingFile.Parser<T> parser, T none)
            throws IOException {
        if (file.isEmpty()) return () -> none;
        try {
            return ReloadingFile.open(file.get(), parser)::get;
        } catch (MapFile.Invalid e) {
            throw new IOException(e.getMessage());
        } catch (IOException e) {
            throw new IOException(file.get() + ": cannot read: " + e.getMessage(), e);
        }
    }

    /** Where mail goes once routed: transport map, our mailboxes (Maildir or LMTP), smarthost, MX. */
    static DeliveryAgent.Routes routes(Config config, AddressResolver addresses, DeliveryAgent.Mailboxes reports, TlsPolicies tls)
            throws IOException {
        var l = config.local();
        Transport remote = config.delivery().smarthost().orElse(null); // null: MX routing of the recipient's domain
        DeliveryAgent.Mailboxes mailboxes = null;
        if (l.mailbox() == Config.Store.MAILDIR) {
            var maildir = new MaildirDelivery(l.maildir(), l.quota());
            mailboxes = (env, rcpt, content) ->
                    maildir.deliver(env.sender(), new Mailbox(addresses.mailboxName(rcpt), rcpt.domain()), content::open);
        }
        Map<String, Credentials> credentials = new HashMap<>();
        for (var a : config.delivery().auth()) {
            SSLContext verified = a.requireTls() && a.verifyCertificate() ? VerifiedTls.context(a.caFile()) : null;
            credentials.put(a.host(), new Credentials(a.username(), a.password(), a.requireTls(), verified));
        }
        return new DeliveryAgent.Routes(rcpt -> addresses.transport(rcpt, remote), mailboxes,
                l.mailbox() == Config.Store.LMTP ? l.lmtp().orElseThrow() : null, credentials, reports, tls);
    }

    /** Addresses that are us, so routing can refuse mail that would loop back (RFC 5321 §5.1). */
    static Set<InetAddress> ourAddresses(Config config) throws IOException {
        Set<InetAddress> out = new HashSet<>();
        for (var hp : config.smtp().listen()) {
            InetAddress a = InetAddress.getByName(hp.host());
            if (a.isAnyLocalAddress()) {
                for (var nif : java.util.Collections.list(NetworkInterface.getNetworkInterfaces()))
                    out.addAll(java.util.Collections.list(nif.getInetAddresses()));
            } else {
                out.add(a);
            }
        }
        return out;
    }

    /** The queue schedules by the agent's destinations and has the agent deliver. */
    static QueueManager.Deliverer deliverer(DeliveryAgent agent) {
        return new QueueManager.Deliverer() {
            @Override
            public String destination(Mailbox recipient) {
                return agent.destination(recipient);
            }

            @Override
            public List<Attempt> deliver(Envelope envelope, long size, OutgoingMessage.Content content, List<Integer> recipients) {
                return agent.deliver(envelope, size, content, recipients);
            }
        };
    }

    /**
     * The SMTP server only needs somewhere durable to put messages; the spool is that place. New
     * mail is taken only while the spool's disk has room beyond the reserve for the queue's own
     * records ({@code room}; null: no reserve). A full disk reaches the server as
     * {@link MessageSink.InsufficientStorage} (452 4.3.1), whether it shows while the content
     * streams in (big messages spill to disk) or at commit.
     */
    private static MessageSink sinkFor(Spool spool, QueueManager queue, FreeSpace room, HistorySink history) {
        return new MessageSink() {
            @Override
            public Draft open(QueueId id) throws IOException {
                return draft(spool, queue, id, history);
            }

            @Override
            public boolean hasRoomFor(long size) {
                return room == null || room.hasRoomFor(size);
            }
        };
    }

    /** A draft of the spool; its Message-ID is read as the content goes in, for the delivery history. */
    private static MessageSink.Draft draft(Spool spool, QueueManager queue, QueueId id, HistorySink history) throws IOException {
        Spool.Draft d = storing(() -> spool.draft(id));
        MessageIdScanner messageId = new MessageIdScanner(d.content());
        OutputStream content = new FilterOutputStream(messageId) {
            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                storing(() -> {
                    out.write(b, off, len);
                    return null;
                });
            }

            @Override
            public void write(int b) throws IOException {
                storing(() -> {
                    out.write(b);
                    return null;
                });
            }
        };
        return new MessageSink.Draft() {
            @Override
            public OutputStream content() {
                return content;
            }

            @Override
            public InputStream written() throws IOException {
                return storing(d::written);
            }

            @Override
            public void commit(Envelope envelope) throws IOException {
                commit(envelope, new MessageSink.Origin(null, null));
            }

            @Override
            public void commit(Envelope envelope, MessageSink.Origin origin) throws IOException {
                long size = storing(() -> d.commit(envelope)).size();
                var client = envelope.client();
                history.record(new HistoryEvent.Received(envelope.arrival(), envelope.id(), messageId.messageId(),
                        envelope.sender().mailbox().map(Object::toString).orElse(""),
                        envelope.recipients().stream().map(r -> r.address().toString()).toList(), size, client.address(),
                        origin.clientName(), client.helo(), client.protocol(), client.tls(), origin.login()));
                if (queue != null) queue.submitted(envelope.id());
            }

            @Override
            public void close() {
                d.close();
            }
        };
    }

    private interface SpoolStep<T> {
        T run() throws IOException;
    }

    private static <T> T storing(SpoolStep<T> step) throws IOException {
        try {
            return step.run();
        } catch (SpoolFullException e) {
            throw new MessageSink.InsufficientStorage(e.getMessage(), e);
        }
    }

    /** The configuration in force: the last one a reload applied. */
    public Config config() {
        return current.get().config();
    }

    public Spool spool() {
        return spool;
    }

    /** The queue manager, or empty when delivery is disabled. */
    public java.util.Optional<QueueManager> queue() {
        return java.util.Optional.ofNullable(queue);
    }

    public java.util.Optional<InetSocketAddress> adminAddress() {
        return java.util.Optional.ofNullable(admin).map(AdminServer::address);
    }

    public List<InetSocketAddress> smtpAddresses() {
        return smtp.boundAddresses();
    }

    /** The submission listeners' addresses (port 587 style, STARTTLS), empty when there are none. */
    public List<InetSocketAddress> submissionAddresses() {
        return submission.boundAddresses();
    }

    private static int boundPort(SmtpServer server) {
        return server.boundAddresses().isEmpty() ? 0 : server.boundAddresses().getFirst().getPort();
    }

    /** The one-click unsubscribe listeners' addresses; empty when none runs here. */
    public List<InetSocketAddress> unsubscribeAddresses() {
        return unsubscribe == null ? List.of() : unsubscribe.addresses();
    }

    /** The MTA-STS policy's HTTPS listeners' addresses; empty when none runs here. */
    public List<InetSocketAddress> mtaStsAddresses() {
        return mtaSts == null ? List.of() : mtaSts.addresses();
    }

    /** The autoconfig HTTP listeners' addresses. */
    public List<InetSocketAddress> autoconfigAddresses() {
        return autoconfigs.stream().map(AutoconfigServer::address).toList();
    }

    /** The implicit-TLS submission listeners' addresses (port 465 style), empty when there are none. */
    public List<InetSocketAddress> submissionsAddresses() {
        return submissions.boundAddresses();
    }

    @Override
    public void close() throws IOException {
        log.info("shutting down");
        smtp.shutdown(Duration.ofSeconds(10));
        submission.shutdown(Duration.ofSeconds(10));
        submissions.shutdown(Duration.ofSeconds(10));
        for (AutoconfigServer a : autoconfigs) a.close();
        if (mtaSts != null) mtaSts.close();
        if (admin != null) admin.close();
        if (unsubscribe != null) unsubscribe.close();
        if (dmarcReports != null) dmarcReports.close();
        if (tlsReports != null) tlsReports.close();
        if (queue != null) queue.close();
        if (events != null) events.close(); // after the queue: its last outcomes are written and synced
        if (history != null) history.close(); // after the queue and SMTP, whose last events it writes
        if (delivery != null) delivery.close();
        if (stores != null) stores.close();
        spool.close();
        log.info("stopped");
    }
}
