package dev.facteur.config;

import dev.facteur.message.AddressSyntax;
import dev.facteur.message.Mailbox;
import dev.facteur.net.Cidr;
import dev.facteur.net.HostPort;
import dev.facteur.milter.MilterAddress;
import dev.facteur.milter.MilterSettings;
import dev.facteur.policy.Milters;
import dev.facteur.policy.OptOut;
import dev.facteur.sasl.FailedLogins;
import dev.facteur.policy.check.Action;
import dev.facteur.policy.check.UserLimitCheck;
import dev.facteur.policy.check.DnsList;
import dev.facteur.policy.check.DnsListSettings;
import dev.facteur.policy.check.EarlyTalkCheck;
import dev.facteur.policy.check.GreylistCheck;
import dev.facteur.policy.check.OnDnsFailure;
import dev.facteur.policy.check.RateLimitCheck;
import dev.facteur.policy.check.ReverseDnsCheck;
import dev.facteur.routing.LocalUsers;
import dev.facteur.delivery.TlsPolicies;
import dev.facteur.routing.Transport;
import dev.facteur.store.GreylistStore;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.dataformat.toml.TomlMapper;

/**
 * Reads the TOML configuration. Jackson parses the syntax; this class checks every key against
 * what Facteur knows, so that a typo is an error naming file, line and key rather than a
 * setting silently ignored.
 */
public final class ConfigLoader {

    /** The configuration used when no file is given: everything on loopback, data under ./data. */
    public static final String DEFAULTS = """
            # Facteur's embedded default configuration.
            data_dir = "data"
            [smtp]
            listen = ["127.0.0.1:2525"]
            """;

    private ConfigLoader() {}

    /** What stands for the file in the messages about the embedded defaults. */
    public static final String EMBEDDED = "(embedded defaults)";

    public static Config load(Path file) throws ConfigException {
        return parse(read(file), file.toString());
    }

    private static String read(Path file) throws ConfigException {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new ConfigException(new ConfigProblem(file.toString(), 0, null, "cannot read: " + e.getMessage()));
        }
    }

    public static Config defaults() {
        try {
            return parse(DEFAULTS, EMBEDDED);
        } catch (ConfigException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The file judged as a start would judge it, without starting: parsed (up to its first error),
     * then the files it names read ({@link NamedFiles}), every problem of theirs reported.
     */
    public static CheckedConfig check(Path file) {
        try {
            return check(read(file), file.toString());
        } catch (ConfigException e) {
            return new CheckedConfig.Invalid(List.of(e.problem()));
        }
    }

    /** As {@link #check(Path)}, for the embedded defaults. */
    public static CheckedConfig checkDefaults() {
        return check(DEFAULTS, EMBEDDED);
    }

    /** As {@link #check(Path)}, for a configuration's text; {@code source} names it in the problems. */
    public static CheckedConfig check(String text, String source) {
        Config config;
        try {
            config = parse(text, source);
        } catch (ConfigException e) {
            return new CheckedConfig.Invalid(List.of(e.problem()));
        }
        List<ConfigProblem> problems = NamedFiles.check(config, source, new KeyLines(text));
        return problems.isEmpty() ? new CheckedConfig.Valid(config) : new CheckedConfig.Invalid(problems);
    }

    public static Config parse(String text, String source) throws ConfigException {
        JsonNode root;
        try {
            root = new TomlMapper().readTree(text);
        } catch (JacksonException e) {
            var loc = e.getLocation();
            int line = loc != null && loc.getLineNr() > 0 ? loc.getLineNr() : 0;
            throw new ConfigException(new ConfigProblem(source, line, null, "TOML syntax error: " + e.getOriginalMessage()));
        }
        if (root == null || root.isMissingNode()) root = new TomlMapper().createObjectNode();
        var lines = new KeyLines(text);
        Table top = new Table((ObjectNode) root, "", source, lines);

        String hostname = top.string("hostname", null);
        if (hostname == null) hostname = defaultHostname(); // may ask DNS: only when not configured
        Path dataDir = top.convert("data_dir", "data", Path::of); // a NUL in a path is an error with its line, not a crash

        Table smtpT = top.table("smtp");
        int maxConnections = smtpT.integer("max_connections", 1000, 1, 1_000_000);
        int maxErrors = smtpT.integer("max_errors", 20, 1, 1000);
        Duration commandTimeout = smtpT.convert("command_timeout", "5m", Units::parseDuration);
        Optional<Duration> beforeMail = smtpT.optional("command_timeout_before_mail", Units::parseDuration);
        if (beforeMail.isPresent() && beforeMail.get().compareTo(commandTimeout) > 0)
            smtpT.fail("command_timeout_before_mail", "must not be longer than command_timeout");
        var smtp = new Config.Smtp(
                smtpT.list("listen", List.of("127.0.0.1:2525"), HostPort::parse),
                smtpT.convert("max_message_size", "50MB", Units::parseSize),
                smtpT.integer("max_recipients", 1000, 1, 100_000),
                maxConnections,
                smtpT.integer("max_connections_per_ip", 50, 1, 1_000_000),
                maxErrors,
                commandTimeout,
                smtpT.convert("data_timeout", "10m", Units::parseDuration),
                smtpT.integer("soft_error_limit", Math.min(10, maxErrors), 1, maxErrors),
                smtpT.convert("error_sleep", "1s", ConfigLoader::durationOrOff),
                smtpT.integer("junk_command_limit", 100, 1, 1_000_000),
                beforeMail.orElse(commandTimeout.compareTo(Duration.ofSeconds(30)) < 0 ? commandTimeout : Duration.ofSeconds(30)),
                smtpT.integer("reserved_connections", maxConnections / 10, 0, maxConnections - 1));
        if (smtp.listen().isEmpty()) smtpT.fail("listen", "needs at least one host:port");
        smtpT.finish();

        Table spoolT = top.table("spool");
        // as Postfix: room for one and a half of the largest message, and never less than 100 MB
        long maxSize = smtp.maxMessageSize();
        long minFreeDefault = Math.max(100L << 20, maxSize > Long.MAX_VALUE / 3 * 2 ? Long.MAX_VALUE : maxSize + maxSize / 2);
        var spool = new Config.Spool(spoolT.optional("min_free_space", ConfigLoader::sizeOrOff).orElse(minFreeDefault));
        spoolT.finish();

        Table relayT = top.table("relay");
        var relay = new Config.Relay(relayT.list("networks", List.of("127.0.0.0/8", "::1/128"), Cidr::parse),
                relayT.list("domains", List.of(), ConfigLoader::domain));
        relayT.finish();

        Table localT = top.table("local");
        List<String> localDomains = localT.list("domains", List.of(), ConfigLoader::domain);
        List<String> users = localT.list("users", List.of(), u -> {
            LocalUsers.of(List.of(u)); // validates
            return u;
        });
        Optional<Path> usersFile = localT.optional("users_file", Path::of);
        Optional<Path> aliasesFile = localT.optional("aliases_file", Path::of);
        String delimiter = localT.string("recipient_delimiter", "+");
        if (delimiter.length() > 1 || delimiter.equals("@") || delimiter.equals("\"")) localT.fail("recipient_delimiter", "must be one character (or empty for none)");
        Optional<Mailbox> postmaster = localT.optional("postmaster", a -> AddressSyntax.tryParseMailbox(a, true)
                .orElseThrow(() -> new IllegalArgumentException("not an address: " + a)));
        Config.Store store = localT.convert("mailbox", "maildir", v -> switch (v) {
            case "maildir" -> Config.Store.MAILDIR;
            case "lmtp" -> Config.Store.LMTP;
            default -> throw new IllegalArgumentException("must be \"maildir\" or \"lmtp\"");
        });
        String maildir = localT.string("maildir", dataDir.resolve("mail").toString() + "/{domain}/{user}");
        if (!maildir.contains("{user}")) localT.fail("maildir", "must contain {user} (and usually {domain})");
        Optional<Transport.Lmtp> lmtp = localT.optional("lmtp", v -> (Transport.Lmtp) Transport.parse("lmtp:" + v));
        if (store == Config.Store.LMTP && lmtp.isEmpty()) localT.fail("mailbox", "is \"lmtp\": set lmtp = \"host:port\" or \"unix:/path\" too");
        var local = new Config.Local(localDomains, users, usersFile, aliasesFile, delimiter, postmaster, store, maildir, lmtp,
                localT.convert("quota", "none", q -> q.equals("none") || q.equals("0") ? 0L : Units.parseSize(q)));
        localT.finish();

        Table routingT = top.table("routing");
        var routing = new Config.Routing(routingT.optional("transport_file", Path::of),
                routingT.optional("sender_canonical_file", Path::of), routingT.optional("recipient_canonical_file", Path::of),
                routingT.list("masquerade_domains", List.of(), ConfigLoader::domain),
                routingT.bool("rewrite_headers", false));
        routingT.finish();

        Table dnsT = top.table("dns");
        var dns = new Config.Dns(dnsT.list("servers", List.of(), HostPort::parse));
        var dnssec = DnssecSection.read(dnsT, dns.servers());
        dnsT.finish();

        Table deliveryT = top.table("delivery");
        var delivery = new Config.Delivery(
                deliveryT.bool("enabled", true),
                deliveryT.integer("remote_port", 25, 1, 65535),
                deliveryT.integer("max_parallel", 100, 1, 100_000),
                deliveryT.integer("max_per_destination", 10, 1, 10_000),
                deliveryT.convert("retry_initial", "5m", Units::parseDuration),
                deliveryT.convert("retry_max", "1h", Units::parseDuration),
                deliveryT.convert("max_lifetime", "5d", Units::parseDuration),
                deliveryT.convert("delay_warning", "4h", ConfigLoader::durationOrOff),
                deliveryT.bool("allow_address_literals", true),
                deliveryT.bool("starttls", true),
                deliveryT.convert("connect_timeout", "30s", Units::parseDuration),
                deliveryT.convert("command_timeout", "5m", Units::parseDuration),
                deliveryT.convert("data_timeout", "10m", Units::parseDuration),
                deliveryT.optional("smarthost", v -> (Transport.Smtp) Transport.parse("smtp:" + v)),
                relayAuth(deliveryT), SourcesSection.read(deliveryT), deliveryT.convert("feedback_id", "", v -> {
                    if (!v.isEmpty() && !v.matches("[A-Za-z0-9._-]+")) throw new IllegalArgumentException("letters, digits, '.', '_' or '-' only");
                    return v;
                }), tlsPolicy(deliveryT, dnssec));
        deliveryT.finish();

        Table adminT = top.table("admin");
        var admin = new Config.Admin(adminT.convert("listen", "127.0.0.1:8025", HostPort::parse),
                adminT.convert("token_file", dataDir.resolve("admin.token").toString(), Path::of),
                adminT.bool("metrics", true), adminT.bool("metrics_public", false));
        if (admin.metricsPublic() && !admin.metrics()) adminT.fail("metrics_public", "is true, but metrics = false serves no metrics");
        adminT.finish();

        Optional<Config.Tls> tls = Optional.empty();
        if (top.has("tls")) {
            Table tlsT = top.table("tls");
            Optional<Path> cert = tlsT.optional("certificate", Path::of);
            Optional<Path> key = tlsT.optional("private_key", Path::of);
            if (cert.isEmpty()) tlsT.fail("certificate", "is required in [tls]");
            if (key.isEmpty()) tlsT.fail("private_key", "is required in [tls]");
            List<Config.Tls> sni = new ArrayList<>();
            for (Table t : tlsT.tables("sni")) {
                Optional<Path> c = t.optional("certificate", Path::of), k = t.optional("private_key", Path::of);
                if (c.isEmpty()) t.fail("certificate", "is required in [[tls.sni]]");
                if (k.isEmpty()) t.fail("private_key", "is required in [[tls.sni]]");
                t.finish();
                sni.add(new Config.Tls(c.orElseThrow(), k.orElseThrow()));
            }
            tls = Optional.of(new Config.Tls(cert.orElseThrow(), key.orElseThrow(), List.copyOf(sni)));
            tlsT.finish();
        }
        Config.Policy policy = policy(top.table("policy"), hostname);
        Table subT = top.table("submission");
        var submission = new Config.Submission(subT.list("listen", List.of(), HostPort::parse), subT.list("listen_tls", List.of(), HostPort::parse),
                subT.convert("users_file", dataDir.resolve("users").toString(), Path::of), subT.bool("login_in_received", false),
                subT.integer("password_checks", 2, 1, 64),
                new FailedLogins.Limits(subT.convert("failure_window", "15m", Units::parseDuration),
                        subT.integer("max_failures_per_address", 10, 1, 1_000_000), subT.integer("max_failures_per_login_and_address", 5, 1, 1_000_000),
                        subT.integer("max_failures_per_login", 30, 1, 1_000_000)),
                new UserLimitCheck.Settings(subT.integer("messages_per_hour", 0, 0, 10_000_000), subT.integer("recipients_per_hour", 0, 0, 10_000_000)),
                senders(subT), subT.optional("dovecot_auth", Path::of), subT.bool("auth_on_port_25", false),
                subT.convert("verified_logins", "5m", ConfigLoader::durationOrOff));
        if (submission.enabled() && tls.isEmpty())
            subT.fail(submission.listen().isEmpty() ? "listen_tls" : "listen", "needs a certificate: add [tls] (bin/facteur tls self-signed makes one)");
        if (submission.authOnPort25() && tls.isEmpty())
            subT.fail("auth_on_port_25", "needs a certificate: AUTH is offered only after STARTTLS; add [tls]");
        subT.finish();
        Table smT = top.table("sendmail");
        var sendmail = new Config.Sendmail(smT.convert("socket", dataDir.resolve("sendmail.sock").toString(), Path::of),
                smT.list("authorized_users", List.of(), u -> u));
        smT.finish();
        Table acT = top.table("autoconfig");
        var autoconfig = new Config.Autoconfig(acT.list("listen", List.of(), HostPort::parse), acT.optional("imap", HostPort::parse),
                acT.string("display_name", ""));
        acT.finish();
        Table dkimT = top.table("dkim");
        Config.Dkim dkim = DkimSection.read(dkimT, dataDir);
        dkimT.finish();
        Table srsT = top.table("srs");
        var srs = new Config.Srs(srsT.bool("enabled", true), srsT.convert("domain", hostname, ConfigLoader::domain).toLowerCase(java.util.Locale.ROOT),
                srsT.convert("secrets_file", dataDir.resolve("srs.secrets").toString(), Path::of),
                srsT.convert("max_age", "21d", Units::parseDuration));
        if (srs.maxAge().toDays() < 1 || srs.maxAge().toDays() > 1023 || srs.maxAge().toHours() % 24 != 0)
            srsT.fail("max_age", "must be whole days, from 1d to 1023d");
        srsT.finish();
        Table arcT = top.table("arc");
        var arc = new Config.Arc(arcT.bool("seal", true), arcT.optional("domain", ConfigLoader::domain));
        if (arc.domain().isPresent() && dkim.signers().keysFor(arc.domain().get(), null).stream()
                .noneMatch(k -> k.key().algorithm().equals("rsa-sha256")))
            arcT.fail("domain", "no RSA key in [[dkim.keys]] for " + arc.domain().get() + " (ARC seals with rsa-sha256 only)");
        arcT.finish();
        Table shapingT = top.table("shaping");
        Config.Shaping shaping = ShapingSection.read(shapingT);
        shapingT.finish();
        Table eventsT = top.table("events");
        Config.Events events = events(eventsT, dataDir);
        eventsT.finish();
        var suppression = SuppressionSection.read(top.table("suppression"));
        Table bouncesT = top.table("bounces");
        Config.Bounces bounces = bounces(bouncesT, dataDir, local.domains(), srs);
        bouncesT.finish();
        var unsubscribe = UnsubscribeSection.read(top.table("unsubscribe"), dataDir, dkim.settings());
        var mtaSts = MtaStsSection.read(top.table("mta_sts"), dataDir, hostname, tls);
        var doctor = DoctorSection.read(top.table("doctor"));
        var tlsReports = TlsReportsSection.read(top.table("tls_reports"), hostname);
        var history = HistorySection.read(top.table("history"), dataDir);
        Table logT = top.table("log");
        var log = new Config.Log(logT.convert("format", "text", v -> switch (v) {
            case "text" -> Config.Log.Format.TEXT;
            case "json" -> Config.Log.Format.JSON;
            default -> throw new IllegalArgumentException("must be \"text\" or \"json\"");
        }));
        logT.finish();
        top.finish();
        return new Config(source, hostname, dataDir, smtp, relay, local, routing, dns, delivery, admin, tls, spool, policy, submission,
                sendmail, autoconfig, dkim, srs, arc, shaping, events, suppression, bounces, unsubscribe, mtaSts, doctor, tlsReports, dnssec,
                history, log);
    }

    /** {@code [bounces]}: a bounce domain of its own, not one mail is otherwise received for. */
    private static Config.Bounces bounces(Table t, Path dataDir, List<String> localDomains, Config.Srs srs) throws ConfigException {
        Optional<String> domain = t.optional("domain", ConfigLoader::domain).map(d -> d.toLowerCase(java.util.Locale.ROOT));
        if (domain.isPresent() && localDomains.stream().anyMatch(d -> d.equalsIgnoreCase(domain.get())))
            t.fail("domain", "is a local domain: the bounce domain must be one of its own (e.g. bounces." + domain.get() + ")");
        if (domain.isPresent() && srs.enabled() && srs.domain().equals(domain.get()))
            t.fail("domain", "is the SRS domain ([srs] domain): the bounce domain must be one of its own");
        boolean verp = t.bool("verp", true);
        Path secrets = t.convert("secrets_file", dataDir.resolve("verp.secrets").toString(), Path::of);
        String prefix = t.convert("prefix", dev.facteur.bounce.Verp.DEFAULT_PREFIX, v -> {
            if (!v.matches("[A-Za-z0-9_-]{1,20}")) throw new IllegalArgumentException("letters, digits, - and _ (at most 20)");
            return v;
        });
        Duration maxAge = t.convert("max_age", "14d", Units::parseDuration);
        if (maxAge.toDays() < 1 || maxAge.toDays() > 999 || !maxAge.equals(Duration.ofDays(maxAge.toDays())))
            t.fail("max_age", "must be whole days, from 1d to 999d");
        List<String> reports = t.list("report_addresses", List.of("fbl"), v -> {
            if (!v.matches("[A-Za-z0-9._-]{1,64}")) throw new IllegalArgumentException("a local part of letters, digits, '.', '_' and '-'");
            return v.toLowerCase(java.util.Locale.ROOT);
        });
        List<String> senders = t.list("verp_senders", List.of(), d -> domain(d).toLowerCase(java.util.Locale.ROOT));
        return new Config.Bounces(domain, verp, secrets, prefix, maxAge, reports, senders);
    }

    /** {@code [events]}: the event log, and its webhook whose secret is read from a file of its own. */
    private static Config.Events events(Table t, Path dataDir) throws ConfigException {
        boolean enabled = t.bool("enabled", false);
        Path dir = t.convert("directory", dataDir.resolve("events").toString(), Path::of);
        Optional<java.net.URI> webhook = t.optional("webhook_url", v -> {
            java.net.URI u = java.net.URI.create(v);
            if (!"http".equals(u.getScheme()) && !"https".equals(u.getScheme())) throw new IllegalArgumentException("must be an http:// or https:// URL");
            return u;
        });
        Optional<Path> secretFile = t.optional("webhook_secret_file", Path::of);
        String secret = "";
        if (webhook.isPresent()) {
            if (secretFile.isEmpty()) t.fail("webhook_secret_file", "is required with webhook_url: the key the requests are signed with");
            try {
                secret = java.nio.file.Files.readString(secretFile.get()).strip();
            } catch (java.io.IOException e) {
                throw t.error("webhook_secret_file", "cannot read " + secretFile.get() + ": " + e.getMessage());
            }
            if (secret.length() < 16) t.fail("webhook_secret_file", "the secret must be at least 16 characters");
        }
        int batch = t.integer("webhook_batch", 100, 1, 1000);
        return new Config.Events(enabled, dir, webhook, secret, batch);
    }

    /** {@code [policy]} and its check sections; a section is read (and checked) even when its check is not listed. */
    private static Config.Policy policy(Table t, String hostname) throws ConfigException {
        List<String> checks = t.list("checks", List.of(), c -> {
            if (!Config.Policy.KNOWN_CHECKS.contains(c))
                throw new IllegalArgumentException("unknown check \"" + c + "\" (known: " + String.join(", ", Config.Policy.KNOWN_CHECKS) + ")");
            return c;
        });
        if (new HashSet<>(checks).size() < checks.size()) t.fail("checks", "names a check twice");
        List<String> optOut = t.list("opt_out", List.of(), r -> {
            new OptOut(List.of(r)); // validates
            return r;
        });
        String store = t.string("store", "embedded");
        if (!store.equals("embedded") && !store.startsWith("redis://") && !store.startsWith("rediss://"))
            t.fail("store", "must be \"embedded\" or a redis:// URI");
        String prefix = t.string("store_prefix", "facteur:");
        Duration storeTimeout = t.convert("store_timeout", "500ms", Units::parseDuration);
        if (storeTimeout.isZero() || storeTimeout.compareTo(Duration.ofMinutes(1)) > 0) t.fail("store_timeout", "must be between 1ms and 1m");
        Duration dnsMinTtl = t.convert("dns_min_ttl", "60s", Units::parseDuration);
        if (!dnsMinTtl.isPositive()) t.fail("dns_min_ttl", "must be positive");
        Duration dnsMaxTtl = t.convert("dns_max_ttl", "1h", Units::parseDuration);
        if (dnsMaxTtl.compareTo(dnsMinTtl) < 0) t.fail("dns_max_ttl", "must be at least dns_min_ttl");

        Table g = t.table("greylist");
        Duration delay = g.convert("delay", "5m", Units::parseDuration);
        Duration window = g.convert("window", "24h", Units::parseDuration);
        if (window.compareTo(delay) <= 0) g.fail("window", "must be longer than delay");
        var greylist = new GreylistCheck.Settings(new GreylistStore.Timing(delay, window, g.convert("lifetime", "35d", Units::parseDuration)),
                g.integer("auto_whitelist", 5, 0, 1_000_000), g.list("clients", List.of(), Cidr::parse),
                g.list("client_names", List.of(), ConfigLoader::domain), g.list("recipients", List.of(), r -> {
                    new OptOut(List.of(r));
                    return r;
                }), g.bool("match_by_name", false), g.integer("network_v4", 24, 8, 32), g.integer("network_v6", 64, 16, 128),
                onStoreFailure(g));
        g.finish();

        Table r = t.table("rate");
        var rate = new RateLimitCheck.Settings(r.convert("window", "1m", Units::parseDuration),
                r.integer("connections_per_client", 0, 0, 1_000_000), r.integer("connections_per_network", 0, 0, 1_000_000),
                r.integer("messages_per_client", 0, 0, 1_000_000), r.integer("messages_per_sender_domain", 0, 0, 1_000_000),
                r.integer("recipients_per_client", 0, 0, 1_000_000), r.integer("network_v4", 24, 8, 32), r.integer("network_v6", 64, 16, 128),
                onStoreFailure(r));
        r.finish();

        Table e = t.table("earlytalk");
        Duration greetPause = e.convert("greet_pause", "6s", Units::parseDuration);
        if (greetPause.compareTo(Duration.ofMinutes(1)) > 0) e.fail("greet_pause", "must be at most 1m (clients give up on a silent server)");
        EarlyTalkCheck.Action action = e.convert("action", "drop", v -> switch (v) {
            case "drop" -> EarlyTalkCheck.Action.DROP;
            case "reject" -> EarlyTalkCheck.Action.REJECT;
            case "tag" -> EarlyTalkCheck.Action.TAG;
            default -> throw new IllegalArgumentException("must be \"drop\", \"reject\" or \"tag\"");
        });
        e.finish();

        Table rd = t.table("rdns");
        var rdns = new ReverseDnsCheck.Settings(rd.convert("require", "confirmed", v -> switch (v) {
            case "confirmed" -> ReverseDnsCheck.Require.CONFIRMED_NAME;
            case "name" -> ReverseDnsCheck.Require.NAME;
            default -> throw new IllegalArgumentException("must be \"confirmed\" (the name resolves back) or \"name\" (any PTR name)");
        }), action(rd, "action", "reject"), onDnsFailure(rd, "defer"));
        int maxNames = rd.integer("max_names", 10, 1, 100);
        rd.finish();

        Optional<DnsListSettings> dnsbl = dnsLists(t.table("dnsbl"), checks.contains("dnsbl"));
        Optional<DnsListSettings> rhsbl = dnsLists(t.table("rhsbl"), checks.contains("rhsbl"));

        Table h = t.table("helo");
        var helo = new Config.Helo(action(h, "invalid", "reject"), action(h, "non_fqdn", "reject"), action(h, "ours", "reject"),
                action(h, "literal_mismatch", "tag"), h.list("names", List.of(), ConfigLoader::domain));
        h.finish();
        List<Milters.Filter> milters = milters(t);
        Config.Authentication authentication = AuthenticationSection.read(t, checks, hostname);
        t.finish();
        return new Config.Policy(checks, optOut, store, prefix, storeTimeout, greylist, rate, greetPause, action, rdns, maxNames,
                dnsbl, rhsbl, helo, milters, dnsMinTtl, dnsMaxTtl, authentication);
    }

    /** {@code [[submission.senders]]}: {@code login} and the {@code addresses} ({@code user@domain} or {@code @domain}) it may also send as. */
    private static Map<String, List<String>> senders(Table submission) throws ConfigException {
        Map<String, List<String>> out = new java.util.LinkedHashMap<>();
        for (Table t : submission.tables("senders")) {
            String login = t.string("login", null);
            if (login == null) t.fail("login", "is required in [[submission.senders]]");
            List<String> addresses = t.list("addresses", List.of(), a -> {
                int at = a.indexOf('@');
                if (at < 0 || at == a.length() - 1 || a.indexOf('@', at + 1) >= 0)
                    throw new IllegalArgumentException("not user@domain or @domain: " + a);
                return a.toLowerCase(java.util.Locale.ROOT);
            });
            t.finish();
            out.merge(login, addresses, (x, y) -> java.util.stream.Stream.concat(x.stream(), y.stream()).toList());
        }
        return out;
    }

    /**
     * {@code [[policy.milters]]}: each filter's address ({@code inet:host:port} or {@code unix:/path}),
     * what its failure means, and Postfix's three timeouts.
     */
    private static List<Milters.Filter> milters(Table policy) throws ConfigException {
        List<Milters.Filter> out = new ArrayList<>();
        for (Table m : policy.tables("milters")) {
            MilterAddress address = m.optional("address", MilterAddress::parse).orElse(null);
            if (address == null) m.fail("address", "is required in [[policy.milters]], e.g. \"inet:127.0.0.1:11332\"");
            Milters.OnFailure onFailure = m.convert("default_action", "tempfail", v -> switch (v) {
                case "tempfail" -> Milters.OnFailure.TEMPFAIL;
                case "accept" -> Milters.OnFailure.ACCEPT;
                case "reject" -> Milters.OnFailure.REJECT;
                default -> throw new IllegalArgumentException("must be \"tempfail\", \"accept\" or \"reject\"");
            });
            List<Duration> timeouts = new ArrayList<>();
            for (String[] k : new String[][] {{"connect_timeout", "30s"}, {"command_timeout", "30s"}, {"content_timeout", "5m"}}) {
                Duration d = m.convert(k[0], k[1], Units::parseDuration);
                if (!d.isPositive() || d.compareTo(Duration.ofHours(1)) > 0) m.fail(k[0], "must be between 1ms and 1h");
                timeouts.add(d);
            }
            m.finish();
            out.add(new Milters.Filter(address, MilterSettings.DEFAULT.withTimeouts(timeouts.get(0), timeouts.get(1), timeouts.get(2)),
                    onFailure));
        }
        return out;
    }

    private static Action action(Table t, String key, String dflt) throws ConfigException {
        return t.convert(key, dflt, v -> switch (v) {
            case "reject" -> Action.REJECT;
            case "defer" -> Action.DEFER;
            case "hold" -> Action.HOLD;
            case "tag" -> Action.TAG;
            case "off" -> Action.OFF;
            default -> throw new IllegalArgumentException("must be \"reject\", \"defer\", \"hold\", \"tag\" or \"off\"");
        });
    }

    private static OnDnsFailure onDnsFailure(Table t, String dflt) throws ConfigException {
        return t.convert("on_dns_failure", dflt, v -> switch (v) {
            case "defer" -> OnDnsFailure.DEFER;
            case "tag" -> OnDnsFailure.TAG;
            case "ignore" -> OnDnsFailure.IGNORE;
            default -> throw new IllegalArgumentException("must be \"defer\", \"tag\" or \"ignore\"");
        });
    }

    /** {@code [policy.dnsbl]} or {@code [policy.rhsbl]}: its lists (postscreen's syntax) are required when its check runs. */
    private static Optional<DnsListSettings> dnsLists(Table t, boolean used) throws ConfigException {
        List<DnsList> lists = t.list("lists", List.of(), DnsList::parse);
        int threshold = t.integer("threshold", 1, 1, 1000);
        int allow = t.integer("allow_threshold", 0, -1000, 0);
        Action action = action(t, "action", "reject");
        OnDnsFailure onFailure = onDnsFailure(t, "ignore");
        Duration timeout = t.convert("timeout", "10s", Units::parseDuration);
        if (!timeout.isPositive()) t.fail("timeout", "must be positive");
        if (lists.isEmpty() && used) t.fail("lists", "is required when the check runs, e.g. [\"zen.example*2\"]");
        t.finish();
        return lists.isEmpty() ? Optional.empty()
                : Optional.of(new DnsListSettings(lists, threshold, allow, action, onFailure, timeout, Map.of()));
    }

    private static boolean onStoreFailure(Table t) throws ConfigException {
        return t.convert("on_store_failure", "accept", v -> switch (v) {
            case "accept" -> false;
            case "defer" -> true;
            default -> throw new IllegalArgumentException("must be \"accept\" or \"defer\"");
        });
    }

    static String domain(String d) {
        if (!d.matches("[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?")) throw new IllegalArgumentException("not a domain name: " + d);
        return d;
    }

    /** {@code [[delivery.tls_policy]]}: TLS levels per destination (domain, {@code .domain} for those below, or a relay's name). */
    private static List<TlsPolicies.Rule> tlsPolicy(Table delivery, Config.Dnssec dnssec) throws ConfigException {
        List<TlsPolicies.Rule> out = new ArrayList<>();
        for (Table t : delivery.tables("tls_policy")) {
            List<String> domains = t.list("domains", List.of(), d -> (d.startsWith(".") ? "." + domain(d.substring(1)) : domain(d)));
            if (domains.isEmpty()) t.fail("domains", "is required in [[delivery.tls_policy]], e.g. [\"bank.example\", \".bank.example\"]");
            String level = t.string("level", null);
            if (level == null) t.fail("level", "is required in [[delivery.tls_policy]]: none, may, encrypt, verify, dane or dane-only");
            TlsPolicies.Level l = t.convert("level", level, TlsPolicies.Level::of);
            if (l.usesDane() && dnssec.mode() == Config.Dnssec.Mode.OFF)
                t.fail("level", "\"" + l.token() + "\" needs DNSSEC: set [dns] dnssec = \"validate\" (or \"trust-ad\")");
            Optional<Path> caFile = t.optional("ca_file", Path::of);
            if (caFile.isPresent() && l != TlsPolicies.Level.VERIFY) t.fail("ca_file", "is for level = \"verify\" only");
            if (caFile.isPresent() && !Files.isReadable(caFile.get())) t.fail("ca_file", "cannot read " + caFile.get());
            t.finish();
            out.add(new TlsPolicies.Rule(domains, l, caFile));
        }
        return List.copyOf(out);
    }

    /** {@code [[delivery.auth]]} entries: credentials per relay host, the password read from its own file. */
    private static List<Config.RelayAuth> relayAuth(Table delivery) throws ConfigException {
        List<Config.RelayAuth> out = new ArrayList<>();
        for (Table t : delivery.tables("auth")) {
            String host = t.string("host", null);
            String user = t.string("username", null);
            Optional<Path> passwordFile = t.optional("password_file", Path::of);
            if (host == null) t.fail("host", "is required in [[delivery.auth]]");
            if (user == null) t.fail("username", "is required in [[delivery.auth]]");
            if (passwordFile.isEmpty()) t.fail("password_file", "is required in [[delivery.auth]] (the password is not written in the configuration)");
            String password;
            try {
                password = Files.readString(passwordFile.orElseThrow()).strip();
            } catch (IOException e) {
                throw t.error("password_file", "cannot read " + passwordFile.orElseThrow() + ": " + e.getMessage());
            }
            Optional<Path> caFile = t.optional("ca_file", Path::of);
            if (caFile.isPresent() && !Files.isReadable(caFile.get())) throw t.error("ca_file", "cannot read " + caFile.get());
            out.add(new Config.RelayAuth(host.toLowerCase(java.util.Locale.ROOT), user, password, t.bool("require_tls", true),
                    t.bool("verify_certificate", true), caFile));
            t.finish();
        }
        return List.copyOf(out);
    }

    /** A size, or "0"/"off" for none. */
    private static long sizeOrOff(String s) {
        return s.equals("0") || s.equalsIgnoreCase("off") ? 0 : Units.parseSize(s);
    }

    /** A duration, or "0"/"off" for none. */
    private static java.time.Duration durationOrOff(String s) {
        return s.equals("0") || s.equalsIgnoreCase("off") ? java.time.Duration.ZERO : Units.parseDuration(s);
    }

    static String defaultHostname() {
        try {
            String h = InetAddress.getLocalHost().getCanonicalHostName();
            return h.isBlank() ? "localhost" : h;
        } catch (IOException e) {
            return "localhost";
        }
    }
}
