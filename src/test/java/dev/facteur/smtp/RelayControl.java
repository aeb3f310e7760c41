package dev.facteur.smtp;

import dev.facteur.message.Mailbox;
import dev.facteur.net.Cidr;
import java.net.InetAddress;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The simplest {@link AddressPolicy}, for tests of the protocol alone: mail for our own domains
 * (and the bare Postmaster, RFC 5321 §4.5.1) is accepted from anyone, mail for anywhere else only
 * from the relay networks; no users, aliases or rewriting (the routing package does those).
 */
public record RelayControl(Set<String> localDomains, List<Cidr> relayNetworks) implements AddressPolicy {

    public RelayControl {
        localDomains = localDomains.stream().map(d -> d.toLowerCase(Locale.ROOT)).collect(Collectors.toUnmodifiableSet());
        relayNetworks = List.copyOf(relayNetworks);
    }

    public boolean isLocal(Mailbox rcpt) {
        return !rcpt.hasDomain() || localDomains.contains(rcpt.domainKey());
    }

    public boolean mayRelay(InetAddress client) {
        return relayNetworks.stream().anyMatch(n -> n.contains(client));
    }

    @Override
    public Decision recipient(InetAddress client, Mailbox rcpt) {
        if (isLocal(rcpt) || mayRelay(client)) return new Decision.Accept(List.of(rcpt));
        return new Decision.Refuse(Replies.RELAY_DENIED);
    }
}
