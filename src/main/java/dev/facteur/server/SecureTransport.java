package dev.facteur.server;

import dev.facteur.delivery.TlsPolicies;
import dev.facteur.delivery.TlsPolicies.Decision;
import dev.facteur.sts.MtaSts;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** What receiving domains publish about TLS (MTA-STS), as delivery's {@link TlsPolicies} applies it. */
final class SecureTransport {

    private static final Logger log = LoggerFactory.getLogger("facteur.sts");

    private SecureTransport() {}

    /**
     * MTA-STS policies for delivery: enforce and testing as published. A policy that could not be
     * had (a record, but no policy fetched and none cached) is no policy: RFC 8461 §3.3 says to
     * deliver as though the domain had not implemented MTA-STS.
     *
     * @param verifying how an enforced MX host's certificate is checked: the JDK's authorities, and [mta_sts] ca_file
     */
    static TlsPolicies.Published mtaSts(MtaSts sts, SSLContext verifying) {
        return domain -> switch (sts.lookup(domain)) {
            case MtaSts.Policy.Enforce e -> new Decision.Enforce(e.policy()::matches, verifying, "MTA-STS policy of " + domain);
            case MtaSts.Policy.Testing t -> new Decision.Testing(t.policy()::matches, "MTA-STS policy of " + domain);
            case MtaSts.Policy.None n -> Decision.NONE;
            case MtaSts.Policy.TempFail f -> {
                log.debug("{}: no MTA-STS policy to apply ({}): delivered as without one (RFC 8461 §3.3)", domain, f.reason());
                yield Decision.NONE;
            }
        };
    }
}
