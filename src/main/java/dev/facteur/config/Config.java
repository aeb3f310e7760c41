package dev.facteur.config;

import dev.facteur.auth.dkim.SignatureWriter;
import dev.facteur.auth.dkim.Signers;
import dev.facteur.bounce.SuppressionSettings;
import dev.facteur.doctor.DoctorSettings;
import dev.facteur.dns.TrustAnchors;
import dev.facteur.history.HistorySettings;
import dev.facteur.message.Mailbox;
import dev.facteur.net.Cidr;
import dev.facteur.net.HostPort;
import dev.facteur.policy.Milters;
import dev.facteur.sasl.FailedLogins;
import dev.facteur.policy.check.Action;
import dev.facteur.policy.check.UserLimitCheck;
import dev.facteur.policy.check.DmarcCheck;
import dev.facteur.policy.check.SpfPolicyCheck;
import dev.facteur.reports.DmarcReportSettings;
import dev.facteur.reports.tls.TlsReportSettings;
import dev.facteur.policy.check.DnsListSettings;
import dev.facteur.policy.check.EarlyTalkCheck;
import dev.facteur.policy.check.GreylistCheck;
import dev.facteur.policy.check.RateLimitCheck;
import dev.facteur.policy.check.ReverseDnsCheck;
import dev.facteur.routing.Transport;
import dev.facteur.sts.MtaStsSettings;
import dev.facteur.unsubscribe.UnsubscribeSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The whole configuration, validated. See README "Configuration reference" for every key. */
public record Config(
        String source,
        String hostname,
        Path dataDir,
        Smtp smtp,
        Relay relay,
        Local local,
        Routing routing,
        Dns dns,
        Delivery delivery,
        Admin admin,
        Optional<Tls> tls,
        Spool spool,
        Policy policy,
        Submission submission,
        Sendmail sendmail,
        Autoconfig autoconfig,
        Dkim dkim,
        Srs srs,
        Arc arc,
        Shaping shaping,
        Events events,
        Suppression suppression,
        Bounces bounces,
        UnsubscribeSettings unsubscribe,
        MtaStsSettings mtaSts,
        DoctorSettings doctor,
        TlsReportSettings tlsReports,
        Dnssec dnssec,
        HistorySettings history,
        Log log) {

    /**
     * {@code [log]}: how the server's log lines are written.
     *
     * @param format {@code TEXT}, a line for people and grep; {@code JSON}, one JSON object a line for
     *               log shippers (timestamp, level, logger, thread, message)
     */
    public record Log(Format format) {
        public enum Format { TEXT, JSON }
    }

    /**
     * {@code [suppression]}: whether the suppression list is used, and its rules.
     *
     * @param enabled  whether trusted senders' recipients are checked against the list (at RCPT)
     *                 and bounces, complaints and unsubscribes add to it; when off the list is
     *                 still kept by hand ({@code facteur suppression}), and used once it is on
     */
    public record Suppression(boolean enabled, SuppressionSettings settings) {}

    /**
     * {@code [bounces]}: the bounce domain, whose mail is reports about the mail we sent (bounces,
     * feedback loop complaints), read and acted on rather than kept; and VERP, which gives each
     * recipient's copy a return path in it.
     *
     * @param domain          the bounce domain (its MX must point here); empty: none, and no VERP
     * @param verp            whether trusted senders' mail leaves with VERP return paths
     * @param secretsFile     the VERP signing secrets: the first line signs, every line verifies
     * @param prefix          the first word of a VERP address's local part
     * @param maxAge          how long a VERP address takes bounces: whole days
     * @param reportAddresses local parts of the bounce domain that take feedback loop reports
     * @param verpSenders     the sender domains whose mail gets VERP; empty: every trusted sender's
     */
    public record Bounces(Optional<String> domain, boolean verp, Path secretsFile, String prefix, Duration maxAge,
            List<String> reportAddresses, List<String> verpSenders) {
        public Bounces {
            reportAddresses = List.copyOf(reportAddresses);
            verpSenders = List.copyOf(verpSenders);
        }
    }

    /**
     * {@code [events]}: every attempt's outcome as a JSON line for the application, and optionally
     * POSTed to a webhook (see docs/events.md).
     *
     * @param directory     where the event log and its rotated files go
     * @param webhook       the URL to POST batches to, or empty
     * @param webhookSecret the HMAC key of the signatures, read from its file
     */
    public record Events(boolean enabled, Path directory, Optional<java.net.URI> webhook, String webhookSecret, int batchSize) {
        @Override
        public String toString() {
            return "Events[enabled=" + enabled + ", directory=" + directory + ", webhook=" + webhook + "]"; // no secret in logs
        }
    }

    /**
     * {@code [shaping]}: traffic shaping of mail leaving by SMTP, per receiving site.
     *
     * @param enabled  whether mail is shaped at all
     * @param defaults the limits of every site no rule names
     * @param addresses the address family tried first at sites no rule names
     * @param adaptive how sites adapt to replies that ask us to slow down
     * @param rules    {@code [[shaping.rules]]}, the first that matches wins
     */
    public record Shaping(boolean enabled, dev.facteur.shaping.SiteLimits defaults, dev.facteur.shaping.AddressPreference addresses,
            dev.facteur.shaping.Adaptive adaptive,
            List<dev.facteur.shaping.ShapingRule> rules) {}

    /**
     * {@code [arc]}: sealing mail we forward off-site (RFC 8617).
     *
     * @param seal   whether to seal it
     * @param domain whose RSA key ({@code [[dkim.keys]]}) seals; empty: the hostname's (or its nearest parent's)
     */
    public record Arc(boolean seal, Optional<String> domain) {}

    /**
     * {@code [srs]}: the Sender Rewriting Scheme for mail forwarded off-site.
     *
     * @param enabled     whether forwarded mail leaves with an SRS reverse-path
     * @param domain      the domain of the SRS addresses: bounces come back to it (it must route to us)
     * @param secretsFile the secrets, one per line (the first signs, all verify); made at first start when missing
     * @param maxAge      how long a bounce may come back (whole days)
     */
    public record Srs(boolean enabled, String domain, Path secretsFile, Duration maxAge) {}

    /**
     * {@code [dkim]}: who signs outgoing mail and how.
     *
     * @param signers  the keys ({@code [[dkim.keys]]}) and the rules that choose them ({@code [[dkim.rules]]})
     * @param settings the fields signed and over-signed, and the signatures' lifetime
     */
    public record Dkim(Signers signers, SignatureWriter.Settings settings) {}

    /**
     * {@code [autoconfig]}: what mail clients are told to use (RFC 6186 SRV records, Thunderbird's
     * config-v1.1.xml), and where that file is served.
     *
     * @param listen      HTTP addresses serving config-v1.1.xml; empty: none
     * @param imap        the IMAP server to publish ({@code host:port}, implicit TLS), if any
     * @param displayName the provider's name in clients; empty: the domain
     */
    public record Autoconfig(List<HostPort> listen, Optional<HostPort> imap, String displayName) {}

    /**
     * {@code [sendmail]}: the local submission socket that {@code facteur sendmail} talks to.
     *
     * @param socket          its path (a unix-domain socket, mode 0666)
     * @param authorizedUsers the local users who may submit; empty: everyone (Postfix's default)
     */
    public record Sendmail(Path socket, List<String> authorizedUsers) {}

    /**
     * {@code [submission]}: the doors for people and programs that log in (RFC 6409, RFC 8314).
     *
     * @param listen          port 587 addresses: STARTTLS, then AUTH, then mail; empty: none
     * @param listenTls       port 465 addresses: TLS from the first byte; empty: none
     * @param usersFile       the passwd-style file of users and password hashes
     * @param loginInReceived whether the {@code Received:} field names the login
     * @param passwordChecks  password checks that may run at once (each may take tens of MiB)
     * @param failures        failed logins counted over a window, per address, login and address, and login
     * @param limits          messages and recipients an hour per login (0: none)
     * @param senders         more senders each login may use besides itself and its aliases:
     *                        addresses, {@code @domain}s
     * @param dovecotAuth     Dovecot's auth-client socket, to check logins there instead of {@code usersFile}
     * @param authOnPort25    whether port 25 offers AUTH too (after STARTTLS); off by default
     * @param verifiedLogins  how long a verified login skips the password check on the next one; zero: never
     */
    public record Submission(List<HostPort> listen, List<HostPort> listenTls, Path usersFile, boolean loginInReceived,
            int passwordChecks, FailedLogins.Limits failures, UserLimitCheck.Settings limits, Map<String, List<String>> senders,
            Optional<Path> dovecotAuth, boolean authOnPort25, Duration verifiedLogins) {
        public boolean enabled() {
            return !listen.isEmpty() || !listenTls.isEmpty();
        }
    }

    public record Smtp(
            List<HostPort> listen,
            long maxMessageSize,
            int maxRecipients,
            int maxConnections,
            int maxConnectionsPerIp,
            int maxErrors,
            Duration commandTimeout,
            Duration dataTimeout,
            int softErrorLimit,
            Duration errorSleep,
            int junkCommandLimit,
            Duration commandTimeoutBeforeMail,
            int reservedConnections) {}

    /**
     * @param networks clients that may send mail anywhere
     * @param domains  other domains we accept mail for from anyone and pass on (backup MX, gateway)
     */
    public record Relay(List<Cidr> networks, List<String> domains) {}

    /**
     * Our own domains and their mailboxes.
     *
     * @param users      mailbox names ({@code alice} in every local domain, {@code bob@example.test} in one)
     * @param delimiter  sub-addressing separator ({@code user+tag}); empty for none
     * @param postmaster where {@code postmaster@} every local domain goes; empty for the local user "postmaster"
     * @param maildir    Maildir path template with {@code {domain}} and {@code {user}}
     * @param lmtp       with {@code mailbox = LMTP}, the server that holds the mailboxes
     * @param quota      bytes per Maildir, 0 for none
     */
    public record Local(
            List<String> domains,
            List<String> users,
            Optional<Path> usersFile,
            Optional<Path> aliasesFile,
            String delimiter,
            Optional<Mailbox> postmaster,
            Store mailbox,
            String maildir,
            Optional<Transport.Lmtp> lmtp,
            long quota) {}

    /** Where local mail is kept. */
    public enum Store { MAILDIR, LMTP }

    /** Operator tables (files reloaded when they change) and sender masquerading. */
    public record Routing(
            Optional<Path> transportFile,
            Optional<Path> senderCanonicalFile,
            Optional<Path> recipientCanonicalFile,
            List<String> masqueradeDomains,
            boolean rewriteHeaders) {}

    public record Dns(List<HostPort> servers) {}

    /**
     * How mail leaves: the port of remote servers, retry schedule, limits and client timeouts.
     *
     * @param enabled false keeps every message queued (a receive-only node, or tests of the receiver)
     */
    public record Delivery(
            boolean enabled,
            int remotePort,
            int maxParallel,
            int maxPerDestination,
            Duration retryInitial,
            Duration retryMax,
            Duration maxLifetime,
            Duration delayWarning,
            boolean allowAddressLiterals,
            boolean startTls,
            Duration connectTimeout,
            Duration commandTimeout,
            Duration dataTimeout,
            Optional<Transport.Smtp> smarthost,
            List<RelayAuth> auth,
            Sources sources,
            String feedbackId,
            List<dev.facteur.delivery.TlsPolicies.Rule> tlsPolicy) {}

    /**
     * {@code [[delivery.sources]]}, {@code [[delivery.pools]]} and {@code [delivery.warmup]}: the
     * local addresses mail leaves from, grouped in pools chosen by sender domain.
     */
    public record Sources(List<dev.facteur.shaping.Source> addresses, List<dev.facteur.shaping.Pool> pools,
            dev.facteur.shaping.WarmUp warmUp) {}

    /**
     * SMTP AUTH credentials for a relay host (a smarthost or a transport map's {@code smtp:[host]}).
     * By default the password goes only over TLS whose certificate verifies for that host name
     * (the JDK's authorities, plus {@code caFile}).
     */
    public record RelayAuth(String host, String username, String password, boolean requireTls, boolean verifyCertificate,
            Optional<Path> caFile) {
        @Override
        public String toString() {
            return "RelayAuth[host=" + host + ", username=" + username + ", requireTls=" + requireTls
                    + ", verifyCertificate=" + verifyCertificate + "]"; // no password in logs
        }
    }

    /**
     * The operator interface (HTTP, JSON) used by {@code facteur queue flush|hold|...}.
     *
     * @param tokenFile     the tokens a request must carry (mode 0600), created at first start
     * @param metrics       whether {@code GET /metrics} serves Prometheus metrics (and they are kept at all)
     * @param metricsPublic whether {@code GET /metrics} is served without the admin token
     */
    public record Admin(HostPort listen, Path tokenFile, boolean metrics, boolean metricsPublic) {}

    /**
     * The queue's disk.
     *
     * @param minFreeSpace bytes kept free for the queue's own records (delivery outcomes, DSNs):
     *                     below it, or for a declared SIZE that would reach it, MAIL gets
     *                     452 4.3.1; 0 for no such check
     */
    public record Spool(long minFreeSpace) {}

    /** PEM files: the certificate chain and its PKCS#8 private key. */
    /**
     * {@code [tls]}: the certificate and key, and more pairs chosen by the name the client asks
     * for (SNI); the files are read again when they change.
     */
    public record Tls(Path certificate, Path privateKey, List<Tls> sni) {
        public Tls(Path certificate, Path privateKey) {
            this(certificate, privateKey, List.of());
        }
    }

    public Path spoolDir() {
        return dataDir.resolve("spool");
    }

    /**
     * The spam defences of the SMTP listener: which checks run, in which order, and their settings.
     *
     * @param checks    check names in the order they run within each stage; empty: no checks
     * @param optOut    recipients spared the checks before the end of DATA (postmaster and abuse always)
     * @param store     where greylisting records and rate counters live: "embedded" (under the data
     *                  directory) or a {@code redis://} URI
     * @param storeTimeout how long one question to Redis may take, connecting included
     */
    public record Policy(List<String> checks, List<String> optOut, String store, String storePrefix, Duration storeTimeout,
            GreylistCheck.Settings greylist, RateLimitCheck.Settings rate, Duration greetPause, EarlyTalkCheck.Action earlyTalk,
            ReverseDnsCheck.Settings rdns, int rdnsMaxNames, Optional<DnsListSettings> dnsbl, Optional<DnsListSettings> rhsbl, Helo helo,
            List<Milters.Filter> milters, Duration dnsMinTtl, Duration dnsMaxTtl, Authentication authentication) {
        public static final List<String> KNOWN_CHECKS = List.of("earlytalk", "rate", "helo", "rdns", "dnsbl", "rhsbl", "greylist", "spf",
                "dkim", "arc", "dmarc");

        /** Whether an email authentication check runs: then Authentication-Results is written. */
        public boolean authenticates() {
            return checks.stream().anyMatch(c -> c.equals("spf") || c.equals("dkim") || c.equals("arc") || c.equals("dmarc"));
        }
    }

    /**
     * The email authentication checks: SPF, DKIM, DMARC.
     *
     * @param authservId    the name our Authentication-Results fields go by (RFC 8601 §2.5)
     * @param maxSignatures DKIM signatures verified per message; the others are not checked
     * @param reports       {@code [policy.dmarc.reports]}: the DMARC aggregate reports we send
     */
    public record Authentication(String authservId, SpfPolicyCheck.Settings spf, int maxSignatures, DmarcCheck.Settings dmarc,
            DmarcReportSettings reports) {}

    /** {@code [policy.helo]}: the action for each rule, and names besides the hostname that are ours. */
    public record Helo(Action invalid, Action nonFqdn, Action ours, Action literalMismatch, List<String> names) {
    }

    /**
     * {@code [dns] dnssec} and {@code trust_anchors}: whether DNS answers are checked with DNSSEC,
     * which DANE needs (docs/dane.md).
     *
     * @param trustAnchors where validation starts: the root's, unless {@code trust_anchors} names a file
     */
    public record Dnssec(Mode mode, TrustAnchors trustAnchors) {

        /** The resolver this setting asks for, on {@code servers} (delivery's DANE and the doctor's TLSA check share it); null when off. */
        public dev.facteur.dns.SecureDns resolver(List<HostPort> servers, java.time.Duration timeout, int retries) {
            return switch (mode) {
                case OFF -> null;
                case VALIDATE -> dev.facteur.dns.DnssecResolver.validating(servers, timeout, retries, trustAnchors);
                case TRUST_AD -> dev.facteur.dns.DnssecResolver.trustingAd(servers, timeout, retries);
            };
        }

        public enum Mode {
            /** No DNSSEC, no DANE: as before. */
            OFF,
            /** Facteur validates every answer itself, from the trust anchors down. */
            VALIDATE,
            /** The configured resolvers validate, and their AD bit is believed: they must be on loopback. */
            TRUST_AD
        }
    }
}
