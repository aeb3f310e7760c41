package dev.facteur.server;

import dev.facteur.delivery.TlsPolicies;
import dev.facteur.delivery.TlsPolicies.Decision;
import dev.facteur.reports.tls.FailureType;
import dev.facteur.reports.tls.PolicyRef;
import dev.facteur.reports.tls.TlsReportRecorder;
import dev.facteur.sts.MtaSts;
import dev.facteur.sts.StsPolicy;
import java.util.List;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** What receiving domains publish about TLS (MTA-STS), as delivery's {@link TlsPolicies} applies it. */
final class SecureTransport {

    private static final Logger log = LoggerFactory.getLogger("facteur.sts");

    private SecureTransport() {}

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
                recorder.success(domain, ref(policy), mxHost);
            }

            @Override
            public void failed(String domain, Decision policy, String mxHost, String resultType, String receivingIp, String detail) {
                FailureType type = FailureType.of(resultType).orElse(FailureType.VALIDATION_FAILURE);
                recorder.failure(domain, ref(policy), mxHost, type, null, receivingIp, detail);
            }
        };
    }

    private static PolicyRef ref(Decision d) {
        List<String> policy = switch (d) {
            case Decision.Enforce e -> e.policy();
            case Decision.Testing t -> t.policy();
            case Decision.NoPolicy n -> List.of();
        };
        if (policy.isEmpty()) return PolicyRef.noPolicyFound();
        List<String> mx = policy.stream().filter(l -> l.startsWith("mx:")).map(l -> l.substring(3).strip()).toList();
        return PolicyRef.sts(policy, mx);
    }

    /**
     * MTA-STS policies for delivery: enforce and testing as published. A policy that could not be
     * had (a record, but no policy fetched and none cached) is no policy: RFC 8461 §3.3 says to
     * deliver as though the domain had not implemented MTA-STS.
     *
     * @param verifying how an enforced MX host's certificate is checked: the JDK's authorities, and [mta_sts] ca_file
     */
    static TlsPolicies.Published mtaSts(MtaSts sts, SSLContext verifying) {
        return domain -> switch (sts.lookup(domain)) {
            case MtaSts.Policy.Enforce e -> new Decision.Enforce(e.policy()::matches, verifying, "MTA-STS policy of " + domain,
                    lines(e.policy()));
            case MtaSts.Policy.Testing t -> new Decision.Testing(t.policy()::matches, "MTA-STS policy of " + domain, lines(t.policy()));
            case MtaSts.Policy.None n -> Decision.NONE;
            case MtaSts.Policy.TempFail f -> {
                log.debug("{}: no MTA-STS policy to apply ({}): delivered as without one (RFC 8461 §3.3)", domain, f.reason());
                yield Decision.NONE;
            }
        };
    }
}
