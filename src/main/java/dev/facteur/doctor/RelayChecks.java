package dev.facteur.doctor;

import dev.facteur.message.Mailbox;
import dev.facteur.net.Cidr;
import dev.facteur.net.HostPort;
import dev.facteur.smtp.AddressPolicy;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * Whether the server is an open relay: mail from anyone to anywhere. First by the configuration:
 * the same recipient rules the SMTP server applies are asked about a client outside every network
 * we could mean (a documentation address, RFC 5737 and RFC 3849). Then, when {@code [doctor]
 * public_addresses} gives an address of this machine, by a real transaction with the running
 * server from that address, which also catches a server running another configuration than
 * the file's.
 */
final class RelayChecks implements ServerChecks {

    static final List<InetAddress> OUTSIDERS = List.of(InetAddress.ofLiteral("192.0.2.1"), InetAddress.ofLiteral("2001:db8::1"));
    /** RFC 2606: a domain that is nobody's. */
    static final Mailbox OUTSIDE = new Mailbox("relay-test", "example.net");
    static final String CLOSED = "[relay] networks = [\"127.0.0.0/8\", \"::1/128\"]   (only clients that may send anywhere; people log in: [submission])";

    private final AddressPolicy addresses;
    private final RelayProbe probe;

    /** @param addresses the recipient rules of the configuration, as the SMTP server applies them */
    RelayChecks(AddressPolicy addresses, RelayProbe probe) {
        this.addresses = addresses;
        this.probe = probe;
    }

    @Override
    public List<Check> check(Installation server) {
        return List.of(byConfiguration(server), byTransaction(server));
    }

    private Check byConfiguration(Installation server) {
        List<String> open = new ArrayList<>();
        String refusal = "";
        for (InetAddress outsider : OUTSIDERS) {
            switch (addresses.recipient(outsider, OUTSIDE)) {
                case AddressPolicy.Decision.Accept a -> open.add(Records.text(outsider) + through(server, outsider));
                case AddressPolicy.Decision.Refuse(var reply) -> refusal = reply.code() + " " + reply.enhanced() + " " + String.join(" ", reply.lines());
            }
        }
        if (!open.isEmpty())
            return Check.fail("Open relay: the configuration lets any client send mail anywhere",
                    "a client at " + String.join(" and ", open) + " may send to " + OUTSIDE + "; spammers find such servers within hours",
                    CLOSED);
        return Check.pass("The configuration does not relay for clients outside [relay] networks", "RCPT TO:<" + OUTSIDE + "> from "
                + Records.text(OUTSIDERS.getFirst()) + ": " + refusal);
    }

    /** Whether a socket can be bound to the address, which is what the test needs (all of 127.0.0.0/8 is, on Linux). */
    private static boolean ofThisMachine(InetAddress a) {
        try (var s = new Socket()) {
            s.bind(new InetSocketAddress(a, 0));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static String through(Installation server, InetAddress outsider) {
        List<String> networks = server.config().relay().networks().stream().filter(n -> n.contains(outsider)).map(Cidr::toString).toList();
        return networks.isEmpty() ? "" : " (in [relay] networks " + String.join(", ", networks) + ")";
    }

    private Check byTransaction(Installation server) {
        String title = "Open relay test by a real SMTP transaction";
        List<InetAddress> publics = server.config().doctor().publicAddresses();
        if (publics.isEmpty())
            return Check.skipped(title + ": no public address to send from", "set [doctor] public_addresses to an address of this"
                    + " machine that the world sees, and the doctor tries to relay through the running server from it",
                    "[doctor] public_addresses = [\"192.0.2.10\"]   (your address)");
        InetAddress from = publics.stream().filter(RelayChecks::ofThisMachine).findFirst().orElse(null);
        if (from == null)
            return Check.skipped(title + ": no public address is an address of this machine", "behind NAT the world's address"
                    + " is the router's: try relaying from another network (swaks --server ... --to " + OUTSIDE + " --quit-after RCPT)");
        HostPort listen = server.config().smtp().listen().getFirst();
        if (listen.port() == 0) return Check.skipped(title, "[smtp] listen gives port 0: the port is not known before the server starts");
        InetAddress to;
        try {
            to = InetAddress.getByName(listen.host());
        } catch (UnknownHostException e) {
            return Check.warn(title + " could not start", "[smtp] listen " + listen + ": " + e.getMessage());
        }
        if (to.isAnyLocalAddress()) to = from; // listening everywhere: on the public address too
        InetAddress sameFamily = from instanceof Inet4Address ? OUTSIDERS.getFirst() : OUTSIDERS.getLast();
        boolean trusted = server.config().relay().networks().stream().anyMatch(n -> n.contains(from));
        boolean everyone = server.config().relay().networks().stream().anyMatch(n -> n.contains(sameFamily));
        if (trusted && !everyone)
            return Check.skipped(title + " from " + Records.text(from) + " would prove nothing",
                    "[relay] networks trusts " + Records.text(from) + ": run it from an address outside them");
        String where = " (" + Records.text(from) + " to " + new HostPort(Records.text(to), listen.port()) + ")";
        return switch (probe.attempt(from, new InetSocketAddress(to, listen.port()), OUTSIDE.toString())) {
            case RelayProbe.Outcome.Refused(var reply) -> Check.pass("The running server refuses to relay" + where, reply);
            case RelayProbe.Outcome.Accepted(var reply) -> Check.fail("Open relay: the running server accepted RCPT TO:<" + OUTSIDE + ">" + where,
                    reply + "; no DATA was sent, so nothing was queued", CLOSED + ", then restart the server");
            case RelayProbe.Outcome.Inconclusive(var reason) -> Check.warn(title + where + ": relaying was not tried", reason);
            case RelayProbe.Outcome.Unreachable(var reason) -> Check.warn(title + where + " could not connect",
                    reason + " (is the server running?)");
        };
    }
}
