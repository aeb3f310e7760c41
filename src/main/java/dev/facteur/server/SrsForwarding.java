package dev.facteur.server;

import dev.facteur.auth.srs.Forwarded;
import dev.facteur.auth.srs.Srs;
import dev.facteur.delivery.SenderRewrite;
import dev.facteur.message.ClientInfo;
import dev.facteur.message.Envelope;
import dev.facteur.message.Mailbox;
import dev.facteur.message.ReversePath;
import dev.facteur.net.Cidr;
import java.net.InetAddress;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SRS for forwarded mail: a message that came from outside (not from a relay network, not from a
 * client that logged in) and leaves for a domain we do not serve can only be one that an alias
 * sends on. Its next hop would check the original sender's SPF against our address and fail, so
 * it goes with an SRS reverse-path in our domain; the bounces come back to us
 * ({@link dev.facteur.routing.AddressResolver} decodes them), and no one else can forge them.
 * Our own users' mail keeps its sender: it is ours to send.
 */
final class SrsForwarding implements SenderRewrite {

    private static final Logger log = LoggerFactory.getLogger("facteur.delivery");

    private final Srs srs;
    private final Set<String> served;
    private final List<Cidr> relayNetworks;

    /** @param served the domains mail is received for (local and relay domains): mail to them is not forwarded */
    SrsForwarding(Srs srs, Set<String> served, List<Cidr> relayNetworks) {
        this.srs = srs;
        this.served = served;
        this.relayNetworks = relayNetworks;
    }

    @Override
    public ReversePath mailFrom(Envelope envelope, Mailbox recipient) {
        if (envelope.sender().isNull() || served.contains(recipient.domainKey()) || fromOurOwn(envelope.client(), relayNetworks))
            return envelope.sender();
        return switch (srs.forward(envelope.sender())) {
            case Forwarded.Rewritten r -> r.sender();
            case Forwarded.Unchanged u -> u.sender();
            case Forwarded.TooLong t -> {
                log.info("{}: forwarded with its own sender <{}>: its SRS form would take {} octets", envelope.id(), t.sender(),
                        t.localPartOctets());
                yield t.sender();
            }
        };
    }

    /** A client that logged in (RFC 3848: ESMTPA, ESMTPSA...), Facteur itself, or a relay network. */
    static boolean fromOurOwn(ClientInfo client, List<Cidr> relayNetworks) {
        if (client == null) return true;
        String protocol = client.protocol();
        if (protocol.endsWith("A") || protocol.equals("local")) return true;
        try {
            InetAddress a = InetAddress.ofLiteral(client.address());
            return relayNetworks.stream().anyMatch(n -> n.contains(a));
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
