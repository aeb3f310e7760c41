package dev.facteur.doctor;

import dev.facteur.dns.AddressAnswer;
import dev.facteur.dns.DnsResolver;
import dev.facteur.dns.Mx;
import dev.facteur.dns.MxAnswer;
import dev.facteur.dns.TxtAnswer;
import dev.facteur.sts.PolicyFetcher;
import dev.facteur.sts.StsPolicy;
import dev.facteur.tls.CertificateIdentity;
import java.io.IOException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What a local domain publishes about TLS to its MX, from DNS alone: the MTA-STS record
 * ({@code _mta-sts}, RFC 8461 §3.1), and if there is one, whether our certificate would satisfy a
 * sender that enforces it (§4.2: an authority it trusts, the MX name); the TLS-RPT record
 * ({@code _smtp._tls}, RFC 8460 §3); and the MTA-STS policy file itself, fetched as a sender
 * fetches it, against the domain's MX hosts. TLSA records (DANE), which need DNSSEC answers, are
 * {@link TlsaChecks}'.
 */
final class TransportSecurityChecks implements DomainChecks {

    private final DnsResolver dns;
    private final Clock clock;
    private final PolicyFetcher policies; // null: the policy file is not fetched

    /** @param clock for the id of a suggested record (a date: the id changes whenever the policy does) */
    TransportSecurityChecks(DnsResolver dns, Clock clock) {
        this(dns, clock, null);
    }

    /** @param policies fetches MTA-STS policy files as senders do; null: not fetched */
    TransportSecurityChecks(DnsResolver dns, Clock clock, PolicyFetcher policies) {
        this.dns = dns;
        this.clock = clock;
        this.policies = policies;
    }

    @Override
    public List<Check> check(Installation server, Domain domain) {
        if (!domain.local()) return List.of();
        String d = domain.name();
        List<Check> out = new ArrayList<>();
        boolean sts = mtaSts(server, d, out);
        out.add(tlsRpt(d, sts));
        return out;
    }

    /** Adds the MTA-STS checks; true when the domain publishes a record. */
    private boolean mtaSts(Installation server, String d, List<Check> out) {
        String name = "_mta-sts." + d;
        List<String> records;
        switch (dns.txt(name)) {
            case TxtAnswer.Records(var all) -> records = all.stream().filter(r -> r.startsWith("v=STSv1")).toList();
            case TxtAnswer.TempFail(var reason) -> {
                out.add(Check.warn("The MTA-STS record " + name + " did not answer", reason));
                return false;
            }
            default -> records = List.of();
        }
        if (records.isEmpty()) {
            out.add(Check.skipped("No MTA-STS record for " + d, "optional (RFC 8461): it asks senders to insist on verified TLS"));
            return false;
        }
        if (records.size() > 1) {
            out.add(Check.fail(d + " has " + records.size() + " MTA-STS records", "RFC 8461 §3.1: senders then ignore them all",
                    Records.txt(name, "v=STSv1; id=" + LocalDate.now(clock).toString().replace("-", "") + "01")));
            return true;
        }
        String problem = stsProblem(records.getFirst());
        if (problem != null)
            out.add(Check.fail("The MTA-STS record of " + d + " does not read: " + problem, records.getFirst(),
                    Records.txt(name, "v=STSv1; id=" + LocalDate.now(clock).toString().replace("-", "") + "01")));
        else out.add(Check.pass("The MTA-STS record of " + d + " reads", records.getFirst()));
        out.add(certificateForSts(server, d));
        out.add(policy(d));
        return true;
    }

    /** The policy file, fetched as a sender fetches it: it must read, and name every MX host of the domain. */
    private Check policy(String d) {
        String url = "https://" + PolicyFetcher.policyHost(d) + "/.well-known/mta-sts.txt";
        if (policies == null) return Check.skipped("The MTA-STS policy of " + d + ": not checked", url + " is not fetched");
        return switch (policies.fetch(d)) {
            case PolicyFetcher.Outcome.Failed f -> Check.fail("The MTA-STS policy of " + d + " cannot be had: " + f.reason(),
                    "senders that find the record fetch " + url + " (RFC 8461 §3.3); " + f.failure().resultType(),
                    "serve it over HTTPS with a certificate for " + PolicyFetcher.policyHost(d) + " ([mta_sts] listen)");
            case PolicyFetcher.Outcome.Fetched ok -> {
                StsPolicy p = ok.policy();
                List<String> outside = switch (dns.mx(d)) {
                    case MxAnswer.Records(var mx) -> mx.stream().map(Mx::host).filter(h -> !p.matches(h)).toList();
                    default -> List.of();
                };
                if (!outside.isEmpty())
                    yield Check.fail("The MTA-STS policy of " + d + " leaves out MX hosts: " + String.join(", ", outside),
                            "senders that enforce it never deliver there (RFC 8461 §4.1)", "mx: " + outside.getFirst());
                if (p.mode() == StsPolicy.Mode.NONE)
                    yield Check.warn("The MTA-STS policy of " + d + " is in mode none", "senders apply nothing", "mode: testing");
                yield Check.pass("The MTA-STS policy of " + d + " reads and names every MX host", "mode " + p.mode().token()
                        + ", max_age " + p.maxAge().toSeconds() + " s");
            }
        };
    }

    /** RFC 8461 §3.1: {@code v=STSv1; id=...;}, the id 1 to 32 letters and digits; other fields are extensions. */
    static String stsProblem(String record) {
        String[] fields = record.split(";");
        if (!fields[0].strip().equals("v=STSv1")) return "it must start with v=STSv1";
        for (int i = 1; i < fields.length; i++) {
            String f = fields[i].strip();
            if (f.startsWith("id=")) return f.substring(3).matches("[A-Za-z0-9]{1,32}") ? null : "id= must be 1 to 32 letters and digits";
        }
        return "no id= field";
    }

    /** With MTA-STS, a sender delivers only over TLS with a certificate from an authority it trusts, for the MX name. */
    private Check certificateForSts(Installation server, String d) {
        String title = "The certificate satisfies MTA-STS senders of " + d;
        if (server.config().tls().isEmpty())
            return Check.fail("No certificate, while " + d + " publishes MTA-STS", "senders that enforce its policy cannot deliver",
                    "[tls] certificate = ..., private_key = ... (from an authority, naming the MX hosts)");
        List<X509Certificate> chain;
        try {
            chain = Certificates.read(server.config().tls().get().certificate());
        } catch (IOException e) {
            return Check.fail("The certificate cannot be read, while " + d + " publishes MTA-STS", e.getMessage());
        }
        List<String> names = CertificateIdentity.names(chain.getFirst());
        List<String> unnamed = new ArrayList<>();
        if (dns.mx(d) instanceof MxAnswer.Records(var mxs))
            for (Mx mx : mxs)
                if (dns.addresses(mx.host()) instanceof AddressAnswer.Found(var a) && a.stream().anyMatch(server.ours()::contains)
                        && !CertificateIdentity.covers(names, mx.host())) unnamed.add(mx.host());
        String distrust = Certificates.distrust(chain);
        if (distrust != null)
            return Check.fail("The certificate would not satisfy MTA-STS senders of " + d,
                    "RFC 8461 §4.2: it must chain to an authority senders trust; " + distrust,
                    "a certificate from an authority (Let's Encrypt: certbot certonly --standalone -d MX-HOST)");
        if (!unnamed.isEmpty())
            return Check.fail("The certificate does not name the MX host" + (unnamed.size() > 1 ? "s " : " ") + String.join(", ", unnamed)
                    + " of " + d, "MTA-STS senders check the MX name (RFC 8461 §4.2)",
                    "a certificate whose names include " + String.join(", ", unnamed));
        return Check.pass(title, "an authority the JDK trusts issued it, for " + String.join(", ", names));
    }

    /** RFC 8460 §3: exactly one record that starts "v=TLSRPTv1;", with rua= mailto: or https: URIs. */
    private Check tlsRpt(String d, boolean sts) {
        String name = "_smtp._tls." + d;
        String suggested = Records.txt(name, "v=TLSRPTv1; rua=mailto:postmaster@" + d);
        List<String> records;
        switch (dns.txt(name)) {
            case TxtAnswer.Records(var all) -> records = all.stream().filter(r -> r.startsWith("v=TLSRPTv1")).toList();
            case TxtAnswer.TempFail(var reason) -> {
                return Check.warn("The TLS-RPT record " + name + " did not answer", reason);
            }
            default -> records = List.of();
        }
        if (records.isEmpty())
            return sts ? Check.warn("No TLS-RPT record for " + d, "with MTA-STS, reports say when senders could not deliver", suggested)
                    : Check.skipped("No TLS-RPT record for " + d, "optional (RFC 8460): senders report TLS failures to it", suggested);
        if (records.size() > 1)
            return Check.fail(d + " has " + records.size() + " TLS-RPT records", "RFC 8460 §3: senders then send no reports", suggested);
        String problem = rptProblem(records.getFirst());
        if (problem != null) return Check.fail("The TLS-RPT record of " + d + " does not read: " + problem, records.getFirst(), suggested);
        return Check.pass("The TLS-RPT record of " + d + " reads", records.getFirst());
    }

    static String rptProblem(String record) {
        String[] fields = record.split(";");
        if (!fields[0].strip().equals("v=TLSRPTv1")) return "it must start with v=TLSRPTv1;";
        for (int i = 1; i < fields.length; i++) {
            String f = fields[i].strip();
            if (!f.startsWith("rua=")) continue;
            for (String uri : f.substring(4).split(",")) {
                String u = uri.strip().toLowerCase(Locale.ROOT);
                if (!(u.startsWith("mailto:") && u.indexOf('@') > 7) && !u.startsWith("https://"))
                    return "rua= takes mailto: and https: URIs, not " + uri.strip();
            }
            return null;
        }
        return "no rua= field";
    }
}
