package dev.facteur.doctor;

import dev.facteur.auth.spf.Spf;
import dev.facteur.auth.spf.SpfSettings;
import dev.facteur.config.Config;
import dev.facteur.dns.DnsResolver;
import dev.facteur.dns.SecureDns;
import dev.facteur.smtp.AddressPolicy;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Runs every check that tells whether receivers will trust this server: about the server itself
 * (the names of its addresses, its certificate, relaying, blocklists), then about each domain
 * (MX, SPF, DKIM, DMARC, MTA-STS, TLS-RPT and TLSA). Each subject's checks run on a virtual thread
 * of their own, so a slow DNS answer holds up one subject only; the report keeps their order.
 *
 * <p>The checks are two lists, {@link #serverChecks} and {@link #domainChecks}: a new kind of check
 * is one more entry.
 */
public final class Doctor {

    /** How long the real relay test waits for the server to connect and for each reply. */
    static final Duration SMTP_TIMEOUT = Duration.ofSeconds(30);

    /** How long DNSSEC lookups wait for each server, and how often they ask again: as the plain resolver the command builds. */
    static final Duration DNS_TIMEOUT = Duration.ofSeconds(5);
    static final int DNS_RETRIES = 2;

    private final Config config;
    private final DnsResolver dns;
    private final List<ServerChecks> serverChecks;
    private final List<DomainChecks> domainChecks;

    /**
     * @param dns       the resolver the server itself uses ({@code [dns] servers})
     * @param addresses the configuration's recipient rules, as the SMTP server applies them
     * @param clock     what "now" is for certificates
     */
    public Doctor(Config config, DnsResolver dns, AddressPolicy addresses, Clock clock) {
        this(config, dns, addresses, clock, new RelayProbe(SMTP_TIMEOUT), secureDns(config));
    }

    /** @param secure DNS with DNSSEC status, for the TLSA check; null: none (the check is skipped) */
    Doctor(Config config, DnsResolver dns, AddressPolicy addresses, Clock clock, RelayProbe probe, SecureDns secure) {
        this.config = config;
        this.dns = dns;
        Spf spf = new Spf(dns, SpfSettings.of(config.hostname()));
        this.serverChecks = List.of(
                new ReverseDnsChecks(dns),
                new HeloSpfCheck(spf),
                new CertificateChecks(dns, clock),
                new RelayChecks(addresses, probe),
                new BlocklistChecks(dns));
        this.domainChecks = List.of(
                new MxCheck(dns),
                new SpfChecks(dns, spf),
                new DkimChecks(dns, clock),
                new DmarcChecks(dns, addresses),
                new TransportSecurityChecks(dns, clock, policies(config, dns)),
                new TlsaChecks(secure, dns, clock));
    }

    /**
     * DNS with DNSSEC status as {@code [dns] dnssec} configures it, from the servers of {@code [dns]
     * servers}; null when it is off. Only when the operator turned it on: validating asks those
     * resolvers for DS and DNSKEY records, which some mangle, and a doctor that then called every
     * zone bogus would mislead more than it helps.
     */
    static SecureDns secureDns(Config config) {
        return config.dnssec().resolver(config.dns().servers(), DNS_TIMEOUT, DNS_RETRIES);
    }

    /** What fetches MTA-STS policy files as a sender would; null when its authorities cannot be read (the check is skipped). */
    private static dev.facteur.sts.PolicyFetcher policies(Config config, DnsResolver dns) {
        try {
            return new dev.facteur.sts.PolicyFetcher(dns,
                    dev.facteur.sts.PolicyFetcher.Settings.of(config.mtaSts().policyPort(), config.mtaSts().caFile()));
        } catch (java.io.IOException e) {
            return null;
        }
    }

    /** The server, then each local domain, then each other domain Facteur signs for. */
    public Report examine() {
        Installation server = Installation.discover(config, dns);
        List<Callable<Subject>> subjects = new ArrayList<>();
        subjects.add(() -> server(server));
        for (Domain d : domains(server)) subjects.add(() -> domain(server, d));
        return new Report(runAll(subjects));
    }

    /** One domain's checks alone: what to publish for it. */
    public Report examine(String domain) {
        Installation server = Installation.discover(config, dns);
        String d = domain.toLowerCase(Locale.ROOT);
        return new Report(List.of(domain(server, new Domain(d, server.localDomains().contains(d)))));
    }

    private static List<Domain> domains(Installation server) {
        Set<String> names = new LinkedHashSet<>(server.localDomains());
        List<Domain> out = new ArrayList<>(names.stream().map(d -> new Domain(d, true)).toList());
        for (var key : server.config().dkim().signers().keys())
            if (names.add(key.domain())) out.add(new Domain(key.domain(), false));
        return out;
    }

    private Subject server(Installation server) {
        List<Check> checks = new ArrayList<>();
        for (ServerChecks c : serverChecks) checks.addAll(c.check(server));
        return new Subject(Subject.SERVER, server.hostname(), checks);
    }

    private Subject domain(Installation server, Domain d) {
        List<Check> checks = new ArrayList<>();
        for (DomainChecks c : domainChecks) checks.addAll(c.check(server, d));
        return new Subject(Subject.DOMAIN, d.name(), checks);
    }

    private static List<Subject> runAll(List<Callable<Subject>> tasks) {
        try (var threads = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Subject>> running = tasks.stream().map(threads::submit).toList();
            List<Subject> out = new ArrayList<>();
            for (Future<Subject> f : running) out.add(f.get());
            return out;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
