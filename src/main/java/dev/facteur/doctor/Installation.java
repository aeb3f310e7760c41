package dev.facteur.doctor;

import dev.facteur.config.Config;
import dev.facteur.dns.AddressAnswer;
import dev.facteur.dns.DnsResolver;
import dev.facteur.net.HostPort;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * What the checks are about, found once before they run.
 *
 * @param hostname          the configured hostname, lower case: the EHLO name unless a source says another
 * @param hostnameAddresses what DNS says the hostname's addresses are
 * @param senders           the addresses receivers see our mail come from, each with its EHLO name;
 *                          empty when they cannot be told
 * @param sendersFrom       where those came from, in words for the output
 * @param ours              every address that is this server: the senders, the public addresses, the
 *                          hostname's, and the SMTP listen addresses (an MX pointing at any is us)
 */
record Installation(Config config, String hostname, AddressAnswer hostnameAddresses, List<Sender> senders, String sendersFrom,
        Set<InetAddress> ours) {

    Installation {
        senders = List.copyOf(senders);
        ours = Set.copyOf(ours);
    }

    /**
     * Which addresses mail leaves from: {@code [doctor] public_addresses} when set (behind NAT the
     * local addresses are not what receivers see), else {@code [[delivery.sources]]}, else the
     * hostname's own addresses, which is where a machine with one address sends from.
     */
    static Installation discover(Config config, DnsResolver dns) {
        String hostname = config.hostname().toLowerCase(Locale.ROOT);
        AddressAnswer hostAnswer = dns.addresses(hostname);
        List<InetAddress> hostAddresses = hostAnswer instanceof AddressAnswer.Found(var a) ? a : List.of();
        List<Sender> senders = new ArrayList<>();
        String from;
        if (!config.doctor().publicAddresses().isEmpty()) {
            for (InetAddress a : config.doctor().publicAddresses()) senders.add(new Sender(a, hostname));
            from = "[doctor] public_addresses";
        } else if (!config.delivery().sources().addresses().isEmpty()) {
            for (var s : config.delivery().sources().addresses())
                senders.add(new Sender(s.address(), s.helo().toLowerCase(Locale.ROOT)));
            from = "[[delivery.sources]]";
        } else {
            for (InetAddress a : hostAddresses) senders.add(new Sender(a, hostname));
            from = "the addresses of " + hostname;
        }
        Set<InetAddress> ours = new LinkedHashSet<>();
        senders.forEach(s -> ours.add(s.address()));
        ours.addAll(config.doctor().publicAddresses());
        ours.addAll(hostAddresses);
        for (HostPort listen : config.smtp().listen()) {
            try {
                InetAddress a = InetAddress.ofLiteral(listen.host());
                if (!a.isAnyLocalAddress()) ours.add(a);
            } catch (IllegalArgumentException name) {
                // a listen address given as a name: its addresses are the hostname's, or not ours to guess
            }
        }
        return new Installation(config, hostname, hostAnswer, senders, from, ours);
    }

    /** The local domains, or the hostname when there are none: the server then takes mail for its own name. */
    List<String> localDomains() {
        List<String> domains = config.local().domains().stream().map(d -> d.toLowerCase(Locale.ROOT)).toList();
        return domains.isEmpty() ? List.of(hostname) : domains;
    }
}
