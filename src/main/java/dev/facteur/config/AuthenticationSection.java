package dev.facteur.config;

import dev.facteur.auth.dmarc.DmarcSettings;
import dev.facteur.auth.dmarc.OrgDomainMethod;
import dev.facteur.policy.check.DmarcCheck;
import dev.facteur.policy.check.SpfPolicyCheck;
import dev.facteur.reports.DmarcReportSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Reads the email authentication checks' settings under {@code [policy]}: {@code authserv_id},
 * {@code [policy.spf]}, {@code [policy.dkim]}, {@code [policy.dmarc]} and {@code [policy.dmarc.reports]}. Read (and checked) even
 * when their checks are not listed, as the other checks' sections are.
 */
final class AuthenticationSection {

    private AuthenticationSection() {}

    static Config.Authentication read(Table policy, List<String> checks, String hostname) throws ConfigException {
        String authservId = policy.string("authserv_id", hostname);
        if (!authservId.matches("[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?")) policy.fail("authserv_id", "must be a host name, e.g. mx.example.org");
        int dmarcAt = checks.indexOf("dmarc");
        if (checks.contains("arc") && dmarcAt >= 0 && checks.indexOf("arc") > dmarcAt)
            policy.fail("checks", "\"arc\" goes before \"dmarc\": DMARC may trust a chain sealed by a known forwarder");
        for (String needed : List.of("spf", "dkim")) {
            if (dmarcAt >= 0 && (checks.indexOf(needed) < 0 || checks.indexOf(needed) > dmarcAt))
                policy.fail("checks", "\"dmarc\" needs \"" + needed + "\" listed before it: DMARC judges what SPF and DKIM found");
        }

        Table s = policy.table("spf");
        var spf = new SpfPolicyCheck.Settings(onResult(s, "on_fail", "tag", "reject"), onResult(s, "on_temperror", "tag", "defer"),
                onResult(s, "on_permerror", "tag", "reject"), s.bool("received_spf", true), s.convert("timeout", "20s", Units::parseDuration),
                s.bool("check_helo", false));
        if (spf.timeout().compareTo(Duration.ofSeconds(1)) < 0 || spf.timeout().compareTo(Duration.ofMinutes(5)) > 0)
            s.fail("timeout", "must be between 1s and 5m (RFC 7208 §4.6.4: at least 20s)");
        s.finish();

        Table k = policy.table("dkim");
        int maxSignatures = k.integer("max_signatures", 10, 1, 100);
        k.finish();

        Table d = policy.table("dmarc");
        DmarcCheck.OnReject onReject = d.convert("on_reject", "reject", v -> switch (v) {
            case "reject" -> DmarcCheck.OnReject.REJECT;
            case "quarantine" -> DmarcCheck.OnReject.QUARANTINE;
            case "tag" -> DmarcCheck.OnReject.TAG;
            default -> throw new IllegalArgumentException("must be \"reject\" (550 5.7.1), \"quarantine\" or \"tag\" (only recorded)");
        });
        DmarcCheck.Quarantine quarantine = d.convert("quarantine", "hold", v -> switch (v) {
            case "hold" -> DmarcCheck.Quarantine.HOLD;
            case "header" -> DmarcCheck.Quarantine.HEADER;
            default -> throw new IllegalArgumentException("must be \"hold\" (kept in the queue) or \"header\" (X-Spam: Yes)");
        });
        OrgDomainMethod orgDomain = d.convert("org_domain", "tree-walk", OrgDomainMethod::parse);
        Optional<Path> psl = d.optional("public_suffix_list", Path::of);
        if (psl.isPresent() && !Files.isReadable(psl.get())) d.fail("public_suffix_list", "cannot read " + psl.get());
        DmarcSettings dmarc;
        try {
            dmarc = new DmarcSettings(orgDomain, psl, d.bool("psl_private_domains", true), d.integer("max_author_domains", 4, 1, 100),
                    d.integer("max_report_uris", 2, 2, 100));
        } catch (IllegalArgumentException e) {
            throw d.error("max_report_uris", e.getMessage());
        }
        List<String> trusted = d.list("trusted_arc_sealers", List.of(), v -> {
            if (!v.matches("[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?")) throw new IllegalArgumentException("not a domain name: " + v);
            return v;
        });
        if (!trusted.isEmpty() && !checks.contains("arc")) d.fail("trusted_arc_sealers", "needs \"arc\" in [policy] checks");
        DmarcReportSettings reports = reports(d.table("reports"), checks, hostname);
        d.finish();
        return new Config.Authentication(authservId, spf, maxSignatures, new DmarcCheck.Settings(onReject, quarantine, dmarc, trusted),
                reports);
    }

    /**
     * {@code [policy.dmarc.reports]}. Off by default: reports tell third parties which servers
     * sent us mail and how much, and they are only accepted when they pass DMARC themselves, which
     * takes DKIM keys for the {@code from} domain ({@code [[dkim.keys]]}); both are the operator's
     * to decide.
     */
    private static DmarcReportSettings reports(Table r, List<String> checks, String hostname) throws ConfigException {
        DmarcReportSettings off = DmarcReportSettings.off(hostname);
        boolean send = r.bool("send", false);
        if (send && !checks.contains("dmarc")) r.fail("send", "needs \"dmarc\" in [policy] checks: reports are about what it found");
        String orgName = r.string("org_name", off.orgName());
        if (orgName.isBlank()) r.fail("org_name", "must not be empty");
        String from = r.string("from", off.from());
        Duration interval = r.convert("interval", "24h", Units::parseDuration);
        int maxRecords = r.integer("max_records", 10_000, 1, 1_000_000);
        DmarcReportSettings settings;
        try {
            settings = new DmarcReportSettings(send, orgName, from, interval, maxRecords);
        } catch (IllegalArgumentException e) {
            throw r.error(e.getMessage().startsWith("must be an address") ? "from" : "interval", e.getMessage());
        }
        r.finish();
        return settings;
    }

    private static SpfPolicyCheck.OnResult onResult(Table t, String key, String dflt, String refusal) throws ConfigException {
        return t.convert(key, dflt, v -> {
            if (v.equals("tag")) return SpfPolicyCheck.OnResult.TAG;
            if (v.equals(refusal)) return refusal.equals("defer") ? SpfPolicyCheck.OnResult.DEFER : SpfPolicyCheck.OnResult.REJECT;
            throw new IllegalArgumentException("must be \"" + refusal + "\" or \"tag\" (only recorded)");
        });
    }
}
