package dev.facteur.doctor;

import dev.facteur.dns.AddressAnswer;
import dev.facteur.dns.DnsResolver;
import dev.facteur.policy.check.DnsList;
import dev.facteur.policy.check.ErrorCodes;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * Whether the addresses mail leaves from are on the DNS lists of {@code [policy.dnsbl]} (RFC 5782
 * §2.1): the lists this server trusts to judge others are likely the ones receivers use to judge
 * it. Allow lists (a negative weight) are not asked. An answer in 127.255.255.0/24 is a list's
 * error code (it refuses the question, often because it came through a public resolver), not a
 * listing.
 */
final class BlocklistChecks implements ServerChecks {

    private final DnsResolver dns;

    BlocklistChecks(DnsResolver dns) {
        this.dns = dns;
    }

    @Override
    public List<Check> check(Installation server) {
        List<DnsList> lists = server.config().policy().dnsbl().map(s -> s.lists().stream().filter(l -> l.weight() > 0).toList())
                .orElse(List.of());
        if (lists.isEmpty())
            return List.of(Check.skipped("Blocklists: none configured", "the doctor asks the lists of [policy.dnsbl]",
                    "[policy.dnsbl] lists = [\"bl.example.org\"]   (the lists you trust; they need not run as a check)"));
        List<Check> out = new ArrayList<>();
        for (Sender s : SpfChecks.distinctAddresses(server.senders())) out.add(check(s.address(), lists));
        return out;
    }

    private Check check(InetAddress address, List<DnsList> lists) {
        String a = Records.text(address);
        List<String> listed = new ArrayList<>(), unanswered = new ArrayList<>();
        for (DnsList list : lists) {
            String name = Records.reverseName(address).replaceFirst("\\.(in-addr|ip6)\\.arpa\\.$", "") + "." + list.zone();
            switch (dns.ipv4(name)) {
                case AddressAnswer.Found(var answers) -> {
                    for (InetAddress answer : answers) {
                        String error = answer instanceof Inet4Address v4 ? ErrorCodes.meaning(v4) : null;
                        if (error != null) unanswered.add(list.zone() + " (" + Records.text(answer) + ": " + error + ")");
                        else if (counts(list, answer)) {
                            listed.add(list.zone() + " (" + Records.text(answer) + ")");
                            break;
                        }
                    }
                }
                case AddressAnswer.TempFail(var reason) -> unanswered.add(list.zone() + " (" + reason + ")");
                default -> { } // NXDOMAIN: not listed
            }
        }
        if (!listed.isEmpty())
            return Check.fail(a + " is listed on " + String.join(", ", listed),
                    "receivers that use " + (listed.size() > 1 ? "these lists" : "this list") + " refuse mail from it; find out why first"
                            + " (an open relay, a stolen password, a compromised machine nearby), then ask each list to remove it",
                    listed.stream().map(l -> "request delisting of " + a + " at " + l.substring(0, l.indexOf(' '))).toArray(String[]::new));
        if (!unanswered.isEmpty())
            return Check.warn("Not every blocklist answered about " + a, String.join("; ", unanswered));
        return Check.pass(a + " is on none of the " + lists.size() + (lists.size() == 1 ? " blocklist" : " blocklists"),
                String.join(", ", lists.stream().map(DnsList::zone).toList()));
    }

    /** Without a filter a list answers in 127.0.0.0/8 (RFC 5782 §2.3); with one, only what it matches counts. */
    private static boolean counts(DnsList list, InetAddress answer) {
        if (!(answer instanceof Inet4Address v4)) return false;
        return list.filter() != null ? list.filter().matches(v4) : (v4.getAddress()[0] & 0xff) == 127;
    }
}
