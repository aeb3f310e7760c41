package dev.facteur.server;

import dev.facteur.admin.AdminServer;
import dev.facteur.autoconfig.AutoconfigServer;
import dev.facteur.bounce.BounceProcessor;
import dev.facteur.bounce.SenderRates;
import dev.facteur.bounce.SuppressionFeed;
import dev.facteur.bounce.Suppressions;
import dev.facteur.bounce.Verp;
import dev.facteur.routing.BounceDomain;
import dev.facteur.config.Config;
import dev.facteur.delivery.Attempt;
import dev.facteur.delivery.ClientSettings;
import dev.facteur.delivery.Credentials;
import dev.facteur.delivery.DeliveryAgent;
import dev.facteur.delivery.OpportunisticTls;
import dev.facteur.delivery.OutgoingMessage;
import dev.facteur.dane.DaneLookup;
import dev.facteur.dns.DnsJavaResolver;
import dev.facteur.dsn.DsnWriter;
import dev.facteur.inject.Injection;
import dev.facteur.io.SecretLines;
import dev.facteur.local.MaildirDelivery;
import dev.facteur.message.Envelope;
import dev.facteur.message.Mailbox;
import dev.facteur.message.QueueId;
import dev.facteur.metrics.Metrics;
import dev.facteur.queue.QueueManager;
import dev.facteur.queue.RetryPolicy;
import dev.facteur.routing.AddressResolver;
import dev.facteur.routing.Aliases;
import dev.facteur.routing.CanonicalMap;
import dev.facteur.routing.LocalUsers;
import dev.facteur.routing.MapFile;
import dev.facteur.routing.MxRouter;
import dev.facteur.routing.ReloadingFile;
import dev.facteur.routing.Tables;
import dev.facteur.routing.Transport;
import dev.facteur.routing.TransportMap;
import dev.facteur.sasl.DovecotAuth;
import dev.facteur.sasl.FailedLogins;
import dev.facteur.sasl.Logins;
import dev.facteur.sasl.Throttled;
import dev.facteur.smtp.Authenticator;
import dev.facteur.auth.dkim.SignatureWriter;
import dev.facteur.auth.srs.Srs;
import dev.facteur.auth.srs.SrsSecrets;
import dev.facteur.delivery.SenderRewrite;
import dev.facteur.delivery.TlsPolicies;
import dev.facteur.smtp.Gate;
import dev.facteur.smtp.MessageSink;
import dev.facteur.smtp.SmtpServer;
import dev.facteur.smtp.SmtpSettings;
import dev.facteur.policy.Pipeline;
import dev.facteur.reports.DmarcReportSender;
import dev.facteur.reports.tls.TlsReportRecorder;
import dev.facteur.reports.tls.TlsReportSender;
import dev.facteur.store.Stores;
import dev.facteur.events.EventLogSettings;
import dev.facteur.events.EventSink;
import dev.facteur.events.Events;
import dev.facteur.events.WebhookSettings;
import dev.facteur.history.DeliveryHistory;
import dev.facteur.history.HistoryEvent;
import dev.facteur.history.HistorySink;
import dev.facteur.history.MessageIdScanner;
import dev.facteur.spool.FreeSpace;
import dev.facteur.spool.LogSpool;
import dev.facteur.spool.Spool;
import dev.facteur.spool.SpoolFullException;
import dev.facteur.sts.MtaSts;
import dev.facteur.sts.PolicyFetcher;
import dev.facteur.sts.StsServer;
import dev.facteur.tls.CertificateFiles;
import dev.facteur.tls.PemTls;
import dev.facteur.tls.VerifiedTls;
import dev.facteur.unsubscribe.UnsubscribeServer;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One running Facteur: the spool and the SMTP listeners built from a {@link Config}. */
public final class Facteur implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger("facteur");

    private final Config config;
    private final Spool spool;
    private final SmtpServer smtp;
    /** Port 587 (STARTTLS) and port 465 (implicit TLS) when [submission] opens them; null otherwise. */
    private final SmtpServer submission, submissions;
    private final List<AutoconfigServer> autoconfigs;
    private final QueueManager queue;
    private final DeliveryAgent agent;
    private final AdminServer admin;
    private final Stores stores;
    private final DmarcReportSender dmarcReports; // null: reports off
    private final TlsReportSender tlsReports; // null: reports off
    private final Events events; // null: events off
    private final UnsubscribeServer unsubscribe; // null: [unsubscribe] off, or delivery off
    private final StsServer mtaSts; // null: [mta_sts] listens nowhere
    private final DeliveryHistory history; // null: [history] off

    private Facteur(Config config, Spool spool, SmtpServer smtp, SmtpServer submission, SmtpServer submissions,
            List<AutoconfigServer> autoconfigs, QueueManager queue, DeliveryAgent agent, AdminServer admin, Stores stores,
            DmarcReportSender dmarcReports, TlsReportSender tlsReports, Events events, UnsubscribeServer unsubscribe, StsServer mtaSts,
            DeliveryHistory history) {
        this.history = history;
        this.mtaSts = mtaSts;
        this.events = events;
        this.unsubscribe = unsubscribe;
        this.autoconfigs = List.copyOf(autoconfigs);
        this.submission = submission;
        this.submissions = submissions;
        this.config = config;
        this.spool = spool;
        this.smtp = smtp;
        this.queue = queue;
        this.agent = agent;
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
        SSLContext tls = null;
        if (config.tls().isPresent()) {
            var t = config.tls().get();
            List<CertificateFiles.Pair> pairs = new ArrayList<>();
            pairs.add(new CertificateFiles.Pair(t.certificate(), t.privateKey()));
            for (var more : t.sni()) pairs.add(new CertificateFiles.Pair(more.certificate(), more.privateKey()));
            tls = PemTls.serverContext(CertificateFiles.open(pairs));
        }
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
            Srs srs = srs(config, true);
            Verp verp = Bounces.verp(config, true); // null: no bounce domain
            AddressResolver addresses = addressResolver(config, srs, verp == null ? null : Bounces.domain(config, verp));
            var d = config.delivery();
            DeliveryAgent agent = null;
            QueueManager queue = null;
            Events eventLog = null;
            EventSink events = EventSink.NONE;
            var dns = new DnsJavaResolver(config.dns().servers(), Duration.ofSeconds(5), 2).measuredBy(metrics.dns());
            // the policy checks' state, the submission ports' failed logins, and the suppression list of delivery
            Stores stores = Defences.needsStore(config) || config.submission().enabled() || config.submission().authOnPort25()
                    || d.enabled() ? Defences.openStores(config) : null;
            if (stores != null) opened.add(stores);
            Pipeline policy = config.policy().checks().isEmpty() && !config.submission().authOnPort25() ? null
                    : Defences.pipeline(config, dns, stores, addresses, List.copyOf(ourAddresses(config)), clock);
            if (policy != null) policy.measuredBy(metrics.policy());
            Suppressions suppressions = null; // kept only with delivery: the list is about the mail we send
            TlsReportRecorder tlsSessions = TlsReporting.recorder(config, stores, clock); // how TLS went, for TLS reports (RFC 8460)
            SenderRates rates = null;
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
                Suppressions learning = config.suppression().enabled() ? suppressions : null;
                var router = new MxRouter(dns, d.remotePort(), config.hostname(), ourAddresses(config), d.allowAddressLiterals());
                var client = new ClientSettings(config.hostname(), d.connectTimeout(), d.commandTimeout(), d.commandTimeout(),
                        d.commandTimeout(), d.dataTimeout(), d.dataTimeout(), d.startTls() ? OpportunisticTls.context() : null);
                SenderRewrite senders = srs == null ? SenderRewrite.NONE : new SrsForwarding(srs, Defences.served(config), config.relay().networks());
                DeliveryAgent.Mailboxes reports = null;
                if (verp != null) {
                    String bounceDomain = config.bounces().domain().orElseThrow();
                    if (config.bounces().verp()) senders = Bounces.returnPaths(verp, bounceDomain, senders, config.relay().networks(),
                            config.bounces().verpSenders());
                    reports = Bounces.reader(new BounceProcessor(verp, learning, events, bounceDomain, clock));
                    log.info("bounce domain: {} (VERP {}; reports to {}@ too)", bounceDomain, config.bounces().verp() ? "on" : "off",
                            String.join("@, ", config.bounces().reportAddresses()));
                }
                TlsPolicies outboundTls = TlsPolicies.of(config.delivery().tlsPolicy());
                if (config.mtaSts().policies()) {
                    var s = config.mtaSts();
                    var sts = new MtaSts(dns, PolicyFetcher.Settings.of(s.policyPort(), s.caFile()), s.cacheDir(), clock);
                    opened.add(sts.refreshEvery(Duration.ofHours(1)));
                    outboundTls = outboundTls.withPublished(SecureTransport.mtaSts(sts, VerifiedTls.context(s.caFile()), tlsSessions));
                }
                // REQUIRETLS mail (RFC 8689) to a host no policy names is verified as MTA-STS verifies
                outboundTls = outboundTls.withVerifying(VerifiedTls.context(config.mtaSts().caFile()));
                DaneLookup dane = SecureTransport.dane(config.dns().servers(), config.dnssec());
                if (dane != null) outboundTls = outboundTls.withDane(dane);
                if (tlsSessions != TlsReportRecorder.NONE) outboundTls = outboundTls.withSessions(SecureTransport.reported(tlsSessions));
                agent = new DeliveryAgent(router, client, routes(config, addresses, reports, outboundTls), d.maxPerDestination(), clock, senders,
                        Shaping.shaper(config, stores, clock), Shaping.sources(config, stores, clock), trail);
                agent.measuredBy(metrics.delivery());
                opened.add(agent);
                queue = new QueueManager(spool, deliverer(agent), new DsnWriter(config.hostname(), ZoneId.systemDefault()),
                        new OwnMailSigning(config.dkim().signers(), new SignatureWriter(config.dkim().settings()), clock), config.hostname(), ids, new RetryPolicy(d.retryInitial(), d.retryMax(), d.maxLifetime(), d.delayWarning()),
                        clock, d.maxParallel(), d.maxPerDestination(), learning == null ? events : new SuppressionFeed(learning, events), trail);
                opened.add(queue);
                queue.start();
            } else {
                log.info("delivery is disabled: messages stay in the queue");
            }
            DmarcReportSender dmarcReports = DmarcReporting.start(config, dns, stores, queue, clock); // null: reports off
            if (dmarcReports != null) opened.add(dmarcReports);
            TlsReportSender tlsReports = TlsReporting.start(config, dns, stores, queue, clock); // null: reports off
            if (tlsReports != null) opened.add(tlsReports);
            AdminServer admin = null;
            UnsubscribeServer unsubscribe = null;
            if (queue != null) {
                admin = new AdminServer(config.admin().listen(), config.admin().tokenFile(), queue, policy, suppressions, rates,
                        new Injection(config.sendmail().socket(), config.hostname(), config.smtp().maxMessageSize()));
                admin.serveMetrics(metrics, config.admin().metricsPublic());
                admin.start();
                opened.add(admin);
                log.info("admin interface on http://{}", new dev.facteur.net.HostPort(admin.address().getHostString(), admin.address().getPort()));
                log.info("suppression list: {} (scope {}, {})", stores, config.suppression().settings().scope().name().toLowerCase(Locale.ROOT),
                        config.suppression().enabled() ? "checked at RCPT and fed by bounces and complaints" : "off: [suppression] enabled = false");
                unsubscribe = Unsubscribes.listen(config, suppressions, events, clock);
                if (unsubscribe != null) opened.add(unsubscribe);
            }
            Suppressions checked = config.suppression().enabled() ? suppressions : null;
            EventSink refusals = events;
            var settings = new SmtpSettings(config.hostname(), config.smtp().listen(), config.smtp().maxMessageSize(),
                    config.smtp().maxRecipients(), config.smtp().maxErrors(), config.smtp().maxConnections(),
                    config.smtp().maxConnectionsPerIp(), config.smtp().commandTimeout(), config.smtp().dataTimeout(),
                    addresses, tls, new SmtpSettings.Defences(config.smtp().softErrorLimit(), config.smtp().errorSleep(),
                            config.smtp().junkCommandLimit(), config.smtp().commandTimeoutBeforeMail(),
                            config.smtp().reservedConnections()));
            long reserve = config.spool().minFreeSpace();
            FreeSpace room = reserve > 0 ? FreeSpace.of(config.spoolDir(), reserve) : null;
            MessageSink sink = sinkFor(spool, queue, room, trail);
            var sub = config.submission();
            Authenticator logins = null;
            if (sub.enabled() || sub.authOnPort25()) {
                Authenticator source = sub.dovecotAuth().isPresent() ? new DovecotAuth(sub.dovecotAuth().get(), Duration.ofSeconds(30))
                        : new Logins(Submission.users(sub.usersFile())::get, sub.passwordChecks(), sub.verifiedLogins());
                logins = new Throttled(source, new FailedLogins(stores.rates(), clock, sub.failures()), Thread::sleep);
            }
            // port 25 offers AUTH (after STARTTLS) only when configured: a client that logs in there relays
            SmtpSettings mx = sub.authOnPort25()
                    ? settings.withAccess(settings.listen(), new SmtpSettings.Access(logins, false, false, false, sub.loginInReceived()))
                    : settings;
            SmtpServer smtp = new SmtpServer(mx, sink, Defences.suppressing(config, checked, refusals,
                    Defences.signing(config, Defences.sealing(config, Defences.gate(config, policy), addresses, dns, clock), clock), clock), ids, clock);
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
            SmtpServer submission = null, submissions = null;
            if (sub.enabled()) {
                Gate gate = Defences.suppressing(config, checked, refusals,
                        Defences.signing(config, Defences.submissionGate(config, stores, addresses, clock), clock), clock);
                if (!sub.listen().isEmpty()) {
                    submission = new SmtpServer(settings.withAccess(sub.listen(),
                            new SmtpSettings.Access(logins, true, true, false, sub.loginInReceived())), sink, gate, ids, clock);
                    submission.measuredBy(metrics, "submission");
                    submission.start();
                    opened.add(submission::close);
                }
                if (!sub.listenTls().isEmpty()) {
                    submissions = new SmtpServer(settings.withAccess(sub.listenTls(),
                            new SmtpSettings.Access(logins, true, true, true, sub.loginInReceived())), sink, gate, ids, clock);
                    submissions.measuredBy(metrics, "submissions");
                    submissions.start();
                    opened.add(submissions::close);
                }
                for (var at : config.autoconfig().listen()) {
                    var server = new AutoconfigServer(at, ClientSetups.of(config, boundPort(submission), boundPort(submissions)),
                            domain -> config.local().domains().stream().anyMatch(ours -> ours.equalsIgnoreCase(domain)));
                    server.start();
                    opened.add(server);
                    autoconfigs.add(server);
                }
                log.info("submission: logins checked by {}", sub.dovecotAuth().isPresent() ? logins : "the users in " + sub.usersFile());
            }
            Metering.watch(metrics, config, spool);
            StsServer mtaSts = StsServer.start(config.mtaSts(), config.local().domains()); // null: no listener
            if (mtaSts != null) opened.add(mtaSts);
            log.info("Facteur started as {} (config: {}, data: {})", config.hostname(), config.source(),
                    config.dataDir().toAbsolutePath());
            if (policy != null) log.info("policy checks: {} (store: {})", String.join(", ", config.policy().checks()),
                    stores == null ? "none needed" : stores);
            if (!config.policy().milters().isEmpty())
                log.info("mail filters: {}", config.policy().milters().stream().map(f -> f.address() + " (on failure: "
                        + f.onFailure().name().toLowerCase(java.util.Locale.ROOT) + ")").toList());
            if (history != null) log.info("delivery history: {} (kept {} days; facteur trace reads it)", config.history().directory(),
                    config.history().keep().toDays());
            return new Facteur(config, spool, smtp, submission, submissions, autoconfigs, queue, agent, admin, stores, dmarcReports, tlsReports,
                    eventLog, unsubscribe, mtaSts, history);
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
    private static DeliveryAgent.Routes routes(Config config, AddressResolver addresses, DeliveryAgent.Mailboxes reports, TlsPolicies tls)
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
    private static QueueManager.Deliverer deliverer(DeliveryAgent agent) {
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

    public Config config() {
        return config;
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
        return submission == null ? List.of() : submission.boundAddresses();
    }

    private static int boundPort(SmtpServer server) {
        return server == null ? 0 : server.boundAddresses().getFirst().getPort();
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
        return submissions == null ? List.of() : submissions.boundAddresses();
    }

    @Override
    public void close() throws IOException {
        log.info("shutting down");
        smtp.shutdown(Duration.ofSeconds(10));
        if (submission != null) submission.shutdown(Duration.ofSeconds(10));
        if (submissions != null) submissions.shutdown(Duration.ofSeconds(10));
        for (AutoconfigServer a : autoconfigs) a.close();
        if (mtaSts != null) mtaSts.close();
        if (admin != null) admin.close();
        if (unsubscribe != null) unsubscribe.close();
        if (dmarcReports != null) dmarcReports.close();
        if (tlsReports != null) tlsReports.close();
        if (queue != null) queue.close();
        if (events != null) events.close(); // after the queue: its last outcomes are written and synced
        if (history != null) history.close(); // after the queue and SMTP, whose last events it writes
        if (agent != null) agent.close();
        if (stores != null) stores.close();
        spool.close();
        log.info("stopped");
    }
}
