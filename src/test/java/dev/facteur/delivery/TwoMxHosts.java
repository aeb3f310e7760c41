package dev.facteur.delivery;

import dev.facteur.dns.Mx;
import dev.facteur.routing.MxRouter;
import dev.facteur.testing.FakeDnsResolver;
import dev.facteur.testing.Patience;
import dev.facteur.testing.ScriptedPeer;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Set;

/**
 * The destination of the TLS policy tests: example.test, MX 10 mx1.example.test and MX 20
 * mx2.example.test, both names of one scripted peer, so that which host a policy lets through
 * shows in the log and in the peer's transcripts.
 */
final class TwoMxHosts {

    private static final Duration PATIENT = Patience.EVENT;

    private TwoMxHosts() {}

    /** A delivery agent towards example.test under {@code tls}, offering STARTTLS with any certificate. */
    static DeliveryAgent agent(ScriptedPeer peer, TlsPolicies tls, Clock clock) {
        var dns = new FakeDnsResolver().withMx("example.test", new Mx(10, "mx1.example.test"), new Mx(20, "mx2.example.test"))
                .withAddresses("mx1.example.test", peer.host()).withAddresses("mx2.example.test", peer.host());
        var router = new MxRouter(dns, peer.port(), "mx.facteur.test", Set.of(), true);
        var routes = new DeliveryAgent.Routes(rcpt -> null, null, null, Map.of(), null, tls);
        var settings = new ClientSettings("mx.facteur.test", PATIENT, PATIENT, PATIENT, PATIENT, PATIENT, PATIENT, OpportunisticTls.context());
        return new DeliveryAgent(router, settings, routes, 10, clock);
    }
}
