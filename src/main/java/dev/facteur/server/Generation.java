package dev.facteur.server;

import dev.facteur.auth.dkim.SignatureWriter;
import dev.facteur.auth.srs.Srs;
import dev.facteur.bounce.BounceProcessor;
import dev.facteur.bounce.Verp;
import dev.facteur.config.Config;
import dev.facteur.dane.DaneLookup;
import dev.facteur.delivery.ClientSettings;
import dev.facteur.delivery.DeliveryAgent;
import dev.facteur.delivery.OpportunisticTls;
import dev.facteur.delivery.SenderRewrite;
import dev.facteur.delivery.TlsPolicies;
import dev.facteur.dns.DnsJavaResolver;
import dev.facteur.policy.Pipeline;
import dev.facteur.reports.tls.TlsReportRecorder;
import dev.facteur.routing.AddressResolver;
import dev.facteur.routing.MxRouter;
import dev.facteur.sasl.DovecotAuth;
import dev.facteur.sasl.FailedLogins;
import dev.facteur.sasl.Logins;
import dev.facteur.sasl.Throttled;
import dev.facteur.smtp.Authenticator;
import dev.facteur.smtp.Gate;
import dev.facteur.smtp.SmtpSettings;
import dev.facteur.store.Stores;
import dev.facteur.tls.CertificateFiles;
import dev.facteur.tls.PemTls;
import dev.facteur.tls.VerifiedTls;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What one configuration builds that a reload replaces: the settings and gate each SMTP listener
 * gives its new sessions (limits, TLS certificates, relay rules, users and aliases, policy checks,
 * logins, DKIM signing), and the delivery agent that takes the next attempts (routing, TLS
 * policies, relay credentials). Files are read and secrets made here, so that a broken one
 * refuses the configuration before anything changes.
 *
 * @param dns    the resolver of {@code [dns] servers} that the checks and delivery ask
 * @param policy the checks, for {@code /policy/explain} too; null when none are configured
 * @param agent  null when delivery is off
 */
record Generation(Config config, AddressResolver addresses, DnsJavaResolver dns, Pipeline policy, Authenticator logins,
        Listener mx, Listener submission, Listener submissions, DeliveryAgent agent, OwnMailSigning ownMail) {

    private static final Logger log = LoggerFactory.getLogger("facteur");

    /** What one SMTP server gives its sessions; an empty {@code listen} when the listener is not configured. */
    record Listener(SmtpSettings settings, Gate gate) {}

    /** Builds it all from {@code config}; {@code stores}: the policy store, open when the configuration needs one. */
    static Generation build(Config config, Lasting lasting, Stores stores) throws IOException {
        var clock = lasting.clock();
        SSLContext tls = serverTls(config);
        Srs srs = Facteur.srs(config, true);
        Verp verp = Bounces.verp(config, true); // null: no bounce domain
        AddressResolver addresses = Facteur.addressResolver(config, srs, verp == null ? null : Bounces.domain(config, verp));
        var dns = new DnsJavaResolver(config.dns().servers(), Duration.ofSeconds(5), 2).measuredBy(lasting.metrics().dns());
        Pipeline policy = config.policy().checks().isEmpty() && !config.submission().authOnPort25() ? null
                : Defences.pipeline(config, dns, stores, addresses, List.copyOf(Facteur.ourAddresses(config)), clock);
        if (policy != null) policy.measuredBy(lasting.metrics().policy());
        var s = config.smtp();
        var settings = new SmtpSettings(config.hostname(), s.listen(), s.maxMessageSize(), s.maxRecipients(), s.maxErrors(),
                s.maxConnections(), s.maxConnectionsPerIp(), s.commandTimeout(), s.dataTimeout(), addresses, tls,
                new SmtpSettings.Defences(s.softErrorLimit(), s.errorSleep(), s.junkCommandLimit(), s.commandTimeoutBeforeMail(),
                        s.reservedConnections()));
        var sub = config.submission();
        Authenticator logins = null;
        if (sub.enabled() || sub.authOnPort25()) {
            Authenticator source = sub.dovecotAuth().isPresent() ? new DovecotAuth(sub.dovecotAuth().get(), Duration.ofSeconds(30))
                    : new Logins(Submission.users(sub.usersFile())::get, sub.passwordChecks(), sub.verifiedLogins());
            logins = new Throttled(source, new FailedLogins(stores.rates(), clock, sub.failures()), Thread::sleep);
        }
        var suppressions = lasting.suppressions();
        // port 25 offers AUTH (after STARTTLS) only when configured: a client that logs in there relays
        SmtpSettings port25 = sub.authOnPort25()
                ? settings.withAccess(settings.listen(), new SmtpSettings.Access(logins, false, false, false, sub.loginInReceived()))
                : settings;
        Listener mx = new Listener(port25, Defences.suppressing(config, suppressions, lasting.events(),
                Defences.signing(config, Defences.sealing(config, Defences.gate(config, policy), addresses, dns, clock), clock), clock));
        Listener none = new Listener(settings.withAccess(List.of(), SmtpSettings.Access.RELAY), Gate.OPEN);
        Listener submission = none, submissions = none;
        if (sub.enabled()) {
            Gate gate = Defences.suppressing(config, suppressions, lasting.events(),
                    Defences.signing(config, Defences.submissionGate(config, stores, addresses, clock), clock), clock);
            if (!sub.listen().isEmpty()) submission = new Listener(settings.withAccess(sub.listen(),
                    new SmtpSettings.Access(logins, true, true, false, sub.loginInReceived())), gate);
            if (!sub.listenTls().isEmpty()) submissions = new Listener(settings.withAccess(sub.listenTls(),
                    new SmtpSettings.Access(logins, true, true, true, sub.loginInReceived())), gate);
        }
        DeliveryAgent agent = lasting.delivering() ? agent(config, lasting, addresses, srs, verp, dns) : null;
        var ownMail = new OwnMailSigning(config.dkim().signers(), new SignatureWriter(config.dkim().settings()), clock);
        return new Generation(config, addresses, dns, policy, logins, mx, submission, submissions, agent, ownMail);
    }

    /** The {@code [tls]} certificates, read now (and again when their files change); null without {@code [tls]}. */
    private static SSLContext serverTls(Config config) throws IOException {
        if (config.tls().isEmpty()) return null;
        var t = config.tls().get();
        List<CertificateFiles.Pair> pairs = new ArrayList<>();
        pairs.add(new CertificateFiles.Pair(t.certificate(), t.privateKey()));
        for (var more : t.sni()) pairs.add(new CertificateFiles.Pair(more.certificate(), more.privateKey()));
        return PemTls.serverContext(CertificateFiles.open(pairs));
    }

    /** How mail leaves under {@code config}: routes, client timeouts, TLS policies, relay logins, return paths. */
    private static DeliveryAgent agent(Config config, Lasting lasting, AddressResolver addresses, Srs srs, Verp verp, DnsJavaResolver dns)
            throws IOException {
        var d = config.delivery();
        var clock = lasting.clock();
        var router = new MxRouter(dns, d.remotePort(), config.hostname(), Facteur.ourAddresses(config), d.allowAddressLiterals());
        var client = new ClientSettings(config.hostname(), d.connectTimeout(), d.commandTimeout(), d.commandTimeout(),
                d.commandTimeout(), d.dataTimeout(), d.dataTimeout(), d.startTls() ? OpportunisticTls.context() : null);
        SenderRewrite senders = srs == null ? SenderRewrite.NONE : new SrsForwarding(srs, Defences.served(config), config.relay().networks());
        DeliveryAgent.Mailboxes reports = null;
        if (verp != null) {
            String bounceDomain = config.bounces().domain().orElseThrow();
            if (config.bounces().verp()) senders = Bounces.returnPaths(verp, bounceDomain, senders, config.relay().networks(),
                    config.bounces().verpSenders());
            reports = Bounces.reader(new BounceProcessor(verp, lasting.suppressions(), lasting.events(), bounceDomain, clock));
            log.info("bounce domain: {} (VERP {}; reports to {}@ too)", bounceDomain, config.bounces().verp() ? "on" : "off",
                    String.join("@, ", config.bounces().reportAddresses()));
        }
        TlsPolicies outboundTls = TlsPolicies.of(d.tlsPolicy());
        if (lasting.published() != null) outboundTls = outboundTls.withPublished(lasting.published());
        // REQUIRETLS mail (RFC 8689) to a host no policy names is verified as MTA-STS verifies
        outboundTls = outboundTls.withVerifying(VerifiedTls.context(config.mtaSts().caFile()));
        DaneLookup dane = SecureTransport.dane(config.dns().servers(), config.dnssec());
        if (dane != null) outboundTls = outboundTls.withDane(dane);
        if (lasting.tlsSessions() != TlsReportRecorder.NONE)
            outboundTls = outboundTls.withSessions(SecureTransport.reported(lasting.tlsSessions()));
        var agent = new DeliveryAgent(router, client, Facteur.routes(config, addresses, reports, outboundTls), d.maxPerDestination(), clock,
                senders, lasting.shaper(), lasting.sources(), lasting.history());
        agent.measuredBy(lasting.metrics().delivery());
        return agent;
    }

    /** The lines that say what this configuration turned on, after a start or a reload. */
    void describe(Stores stores) {
        var sub = config.submission();
        if (sub.enabled()) log.info("submission: logins checked by {}", sub.dovecotAuth().isPresent() ? logins : "the users in " + sub.usersFile());
        if (policy != null) log.info("policy checks: {} (store: {})", String.join(", ", config.policy().checks()),
                stores == null ? "none needed" : stores);
        if (!config.policy().milters().isEmpty())
            log.info("mail filters: {}", config.policy().milters().stream().map(f -> f.address() + " (on failure: "
                    + f.onFailure().name().toLowerCase(Locale.ROOT) + ")").toList());
    }
}
