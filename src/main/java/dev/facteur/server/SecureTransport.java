package dev.facteur.server;

import dev.facteur.config.Config;
import dev.facteur.dane.DaneLookup;
import dev.facteur.dane.DaneOutcome;
import dev.facteur.delivery.TlsPolicies;
import dev.facteur.delivery.TlsPolicies.Decision;
import dev.facteur.reports.tls.FailureType;
import dev.facteur.reports.tls.PolicyRef;
import dev.facteur.reports.tls.TlsReportRecorder;
import dev.facteur.sts.MtaSts;
import dev.facteur.dns.SecureDns;
import dev.facteur.dns.Tlsa;
import dev.facteur.net.HostPort;
import java.time.Duration;
import dev.facteur.sts.StsPolicy;
import java.util.List;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** What receiving domains publish about TLS (DANE, MTA-STS), as delivery's {@link TlsPolicies} applies it. */
final class SecureTransport {

    private static final Logger log = LoggerFactory.getLogger("facteur.sts");

    private SecureTransport() {}

    /**
     * DANE's lookups (RFC 7672), through a resolver that validates DNSSEC as {@code [dns] dnssec}
     * says; null when it is off.
     */
    static DaneLookup dane(List<HostPort> servers, Config.Dnssec dnssec) {
        SecureDns dns = dnssec.resolver(servers, Duration.ofSeconds(5), 2);
        if (dns == null) return null;
        log.info("DANE: TLSA records of MX hosts found through DNSSEC ({}) are used", dnssec.mode() == Config.Dnssec.Mode.VALIDATE
                ? "validated here from " + dnssec.trustAnchors().source() : "validated by the resolvers on loopback");
        return new DaneLookup(dns);
    }

    private static List<String> lines(StsPolicy p) {
        return p.text().lines().filter(l -> !l.isBlank()).toList();
    }

    /**
     * How TLS went under published policies, counted for the TLS reports (RFC 8460). Sessions that
     * carry the TLS reports themselves are counted too: telling them apart would need the message.
     */
    static TlsPolicies.Sessions reported(TlsReportRecorder recorder) {
        return new TlsPolicies.Sessions() {
            @Override
            public void succeeded(String domain, Decision policy, String mxHost) {
                recorder.success(domain, ref(policy, mxHost), mxHost);
            }

            @Override
            public void failed(String domain, Decision policy, String mxHost, String resultType, String receivingIp, String detail) {
                FailureType type = FailureType.of(resultType).orElse(FailureType.VALIDATION_FAILURE);
                recorder.failure(domain, ref(policy, mxHost), mxHost, type, null, receivingIp, detail);
            }
        };
    }

    /** The policy a session to {@code mxHost} (null: none was tried) is counted under: DANE's are per MX host. */
    private static PolicyRef ref(Decision d, String mxHost) {
        List<String> hosts = mxHost == null ? List.of() : List.of(mxHost);
        return switch (d) {
            case Decision.Enforce e -> sts(e.policy());
            case Decision.Testing t -> sts(t.policy());
            case Decision.NoPolicy n -> PolicyRef.noPolicyFound();
            case Decision.Dane dane -> new PolicyRef(PolicyRef.Type.TLSA, dane.hosts().of(mxHost) instanceof DaneOutcome.Required r
                    ? r.records().stream().map(Tlsa::toString).toList() : List.of(), hosts);
            case Decision.Undecided u -> new PolicyRef(PolicyRef.Type.TLSA, List.of(), hosts); // DNSSEC could not say which records
        };
    }

    private static PolicyRef sts(List<String> policy) {
        if (policy.isEmpty()) return PolicyRef.noPolicyFound();
        List<String> mx = policy.stream().filter(l -> l.startsWith("mx:")).map(l -> l.substring(3).strip()).toList();
        return PolicyRef.sts(policy, mx);
    }

    /**
     * MTA-STS policies for delivery: enforce and testing as published. A policy that could not be
     * had (a record, but no policy fetched and none cached) is no policy: RFC 8461 §3.3 says to
     * deliver as though the domain had not implemented MTA-STS; it is counted for the domain's TLS
     * report as an {@code sts-policy-fetch-error} (RFC 8460 §4.3), once per delivery that met it.
     *
     * @param verifying how an enforced MX host's certificate is checked: the JDK's authorities, and [mta_sts] ca_file
     */
    static TlsPolicies.Published mtaSts(MtaSts sts, SSLContext verifying, TlsReportRecorder recorder) {
        return domain -> switch (sts.lookup(domain)) {
            case MtaSts.Policy.Enforce e -> new Decision.Enforce(e.policy()::matches, verifying, "MTA-STS policy of " + domain,
                    lines(e.policy()));
            case MtaSts.Policy.Testing t -> new Decision.Testing(t.policy()::matches, "MTA-STS policy of " + domain, lines(t.policy()));
            case MtaSts.Policy.None n -> Decision.NONE;
            case MtaSts.Policy.TempFail f -> {
                log.debug("{}: no MTA-STS policy to apply ({}): delivered as without one (RFC 8461 §3.3)", domain, f.reason());
                recorder.failure(domain, new PolicyRef(PolicyRef.Type.STS, List.of(), List.of()), null, FailureType.STS_POLICY_FETCH_ERROR,
                        null, null, f.reason());
                yield Decision.NONE;
            }
        };
    }
}
