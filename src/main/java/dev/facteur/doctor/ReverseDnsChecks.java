package dev.facteur.doctor;

import dev.facteur.dns.AddressAnswer;
import dev.facteur.dns.DnsResolver;
import dev.facteur.dns.PtrAnswer;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * The names of the addresses mail leaves from. Receivers look up the PTR of the connecting address,
 * compare it with the EHLO name, and resolve the name back (forward-confirmed reverse DNS): an
 * address without a name, or whose name does not lead back to it, is refused or junked by most
 * large mailbox providers. Also: the hostname resolves to one of those addresses.
 */
final class ReverseDnsChecks implements ServerChecks {

    private final DnsResolver dns;

    ReverseDnsChecks(DnsResolver dns) {
        this.dns = dns;
    }

    @Override
    public List<Check> check(Installation server) {
        List<Check> out = new ArrayList<>();
        if (server.senders().isEmpty()) {
            out.add(Check.fail("Cannot tell which addresses mail leaves from",
                    server.hostname() + " has no address in DNS, and neither [[delivery.sources]] nor [doctor] public_addresses is set",
                    Records.address(server.hostname(), InetAddress.ofLiteral("192.0.2.10")) + "   (with your address)",
                    "or: [doctor] public_addresses = [\"192.0.2.10\"]"));
            return out;
        }
        for (Sender s : server.senders()) out.addAll(names(s));
        out.add(hostname(server));
        return out;
    }

    /** PTR exists; it is the EHLO name; the name resolves back to the address. Each step needs the one before. */
    private List<Check> names(Sender s) {
        String a = Records.text(s.address());
        List<String> names;
        switch (dns.ptr(s.address())) {
            case PtrAnswer.Names(var n) -> names = n;
            case PtrAnswer.TempFail(var reason) -> {
                return List.of(Check.warn("Reverse DNS of " + a + " did not answer", reason));
            }
            case PtrAnswer.NxDomain() -> {
                return List.of(noPtr(s));
            }
            case PtrAnswer.NoRecords() -> {
                return List.of(noPtr(s));
            }
        }
        List<Check> out = new ArrayList<>();
        out.add(Check.pass(a + " has reverse DNS: " + String.join(", ", names), ""));
        if (!names.contains(s.helo())) {
            out.add(Check.fail("The PTR name of " + a + " is " + String.join(", ", names) + ", not the EHLO name " + s.helo(),
                    "receivers compare the two; the PTR is set by whoever holds the address (often the hosting provider)",
                    Records.ptr(s.address(), s.helo()),
                    "or say the PTR name in EHLO: hostname = \"" + names.getFirst() + "\" (or the source's helo)"));
        } else {
            out.add(Check.pass("The PTR name of " + a + " is the EHLO name " + s.helo(), ""));
        }
        String name = names.contains(s.helo()) ? s.helo() : names.getFirst();
        out.add(switch (dns.addresses(name)) {
            case AddressAnswer.Found(var back) when back.contains(s.address()) ->
                    Check.pass(name + " resolves back to " + a + " (forward-confirmed reverse DNS)", "");
            case AddressAnswer.Found(var back) -> Check.fail(name + " does not resolve back to " + a,
                    "it resolves to " + back.stream().map(Records::text).toList()
                            + "; receivers want the PTR name to lead back to the address (forward-confirmed reverse DNS)",
                    Records.address(name, s.address()));
            case AddressAnswer.TempFail(var reason) -> Check.warn("The addresses of " + name + " did not answer", reason);
            default -> Check.fail(name + " does not resolve back to " + a, name + " has no address in DNS",
                    Records.address(name, s.address()));
        });
        return out;
    }

    private static Check noPtr(Sender s) {
        return Check.fail(Records.text(s.address()) + " has no reverse DNS (PTR)",
                "most receivers refuse or junk mail from an address without a name; the PTR is set by whoever holds the"
                        + " address (often the hosting provider's panel)",
                Records.ptr(s.address(), s.helo()));
    }

    /** The hostname names this server: it resolves to an address mail leaves from. */
    private static Check hostname(Installation server) {
        String h = server.hostname();
        // a source that says a name of its own in EHLO is checked under that name above
        List<InetAddress> senders = server.senders().stream().filter(s -> s.helo().equals(h)).map(Sender::address).toList();
        return switch (server.hostnameAddresses()) {
            case AddressAnswer.Found(var a) when senders.isEmpty() || a.stream().anyMatch(senders::contains) ->
                    Check.pass("The hostname " + h + " resolves to " + String.join(", ", a.stream().map(Records::text).toList()), "");
            case AddressAnswer.Found(var a) -> Check.fail("The hostname " + h + " does not resolve to an address mail leaves from",
                    "it resolves to " + a.stream().map(Records::text).toList() + "; mail leaves from "
                            + senders.stream().map(Records::text).toList() + " (" + server.sendersFrom() + ")",
                    Records.address(h, senders.getFirst()));
            case AddressAnswer.TempFail(var reason) -> Check.warn("The addresses of " + h + " did not answer", reason);
            default -> Check.fail("The hostname " + h + " has no address in DNS", "receivers check that the name a server gives resolves",
                    Records.address(h, (senders.isEmpty() ? server.senders().getFirst().address() : senders.getFirst())));
        };
    }
}
