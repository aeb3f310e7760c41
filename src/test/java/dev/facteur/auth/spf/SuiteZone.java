package dev.facteur.auth.spf;

import dev.facteur.dns.AddressAnswer;
import dev.facteur.dns.DnsResolver;
import dev.facteur.dns.Mx;
import dev.facteur.dns.MxAnswer;
import dev.facteur.dns.PtrAnswer;
import dev.facteur.dns.TxtAnswer;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import tools.jackson.databind.JsonNode;

/**
 * The DNS of one scenario of the OpenSPF suite, read from its {@code zonedata} the way the suite's
 * drivers read it (/work/shared/conformance/README.md §1):
 * <ul>
 * <li>an unlisted name is NXDOMAIN; a listed name without records of the type asked is NOERROR
 *     with no records;</li>
 * <li>{@code TIMEOUT} under a name: a question for a type that has no records there times out;</li>
 * <li>{@code SPF} records are served as TXT too, unless the name lists TXT records of its own or
 *     {@code TXT: NONE} (type 99 itself is never asked: RFC 7208 §3.1);</li>
 * <li>{@code CNAME}s are followed, and a loop is a failure, as a resolver reports it.</li>
 * </ul>
 */
final class SuiteZone implements DnsResolver {

    private record Name(Map<String, List<JsonNode>> records, boolean timeout, boolean noTxt) {}

    private final Map<String, Name> names = new HashMap<>();

    SuiteZone(JsonNode zonedata) {
        for (var entry : zonedata.properties()) {
            var records = new HashMap<String, List<JsonNode>>();
            boolean timeout = false, noTxt = false;
            for (JsonNode r : entry.getValue()) {
                if (r.isString() && r.asString().equals("TIMEOUT")) {
                    timeout = true;
                    continue;
                }
                var field = r.properties().iterator().next();
                String type = field.getKey().toUpperCase(Locale.ROOT);
                if (field.getValue().isString() && field.getValue().asString().equals("NONE")) {
                    if (type.equals("TXT")) noTxt = true;
                    continue;
                }
                records.computeIfAbsent(type, t -> new ArrayList<>()).add(field.getValue());
            }
            if (!records.containsKey("TXT") && !noTxt && records.containsKey("SPF")) records.put("TXT", records.get("SPF"));
            names.put(key(entry.getKey()), new Name(records, timeout, noTxt));
        }
    }

    /** What one question found, before it is said in the resolver's terms. */
    private sealed interface Found {
        record Records(List<JsonNode> records) implements Found {}
        record NoRecords() implements Found {}
        record NxDomain() implements Found {}
        record TimedOut(String reason) implements Found {}
    }

    private Found ask(String name, String type) {
        String at = key(name);
        for (int hops = 0; hops < 10; hops++) {
            Name n = names.get(at);
            if (n == null) return new Found.NxDomain();
            List<JsonNode> records = n.records().get(type);
            if (records != null) return new Found.Records(records);
            List<JsonNode> cname = n.records().get("CNAME");
            if (cname != null) {
                at = key(cname.getFirst().asString());
                continue;
            }
            return n.timeout() ? new Found.TimedOut(type + " " + at + ": timed out") : new Found.NoRecords();
        }
        return new Found.TimedOut(type + " " + name + ": CNAME loop");
    }

    @Override
    public TxtAnswer txt(String name) {
        return switch (ask(name, "TXT")) {
            case Found.Records(var records) -> new TxtAnswer.Records(records.stream().map(SuiteZone::joined).toList());
            case Found.NoRecords _ -> new TxtAnswer.NoRecords();
            case Found.NxDomain _ -> new TxtAnswer.NxDomain();
            case Found.TimedOut(var reason) -> new TxtAnswer.TempFail(reason);
        };
    }

    /** RFC 7208 §3.3: a record's strings are joined without spaces; a record of no strings is empty. */
    private static String joined(JsonNode txt) {
        if (!txt.isArray()) return txt.asString();
        var sb = new StringBuilder();
        for (JsonNode s : txt) sb.append(s.asString());
        return sb.toString();
    }

    @Override
    public AddressAnswer ipv4(String name) {
        return addresses(name, "A");
    }

    @Override
    public AddressAnswer ipv6(String name) {
        return addresses(name, "AAAA");
    }

    @Override
    public AddressAnswer addresses(String host) {
        AddressAnswer v6 = ipv6(host), v4 = ipv4(host);
        var all = new ArrayList<InetAddress>();
        if (v6 instanceof AddressAnswer.Found(var a)) all.addAll(a);
        if (v4 instanceof AddressAnswer.Found(var a)) all.addAll(a);
        if (!all.isEmpty()) return new AddressAnswer.Found(all);
        return v4 instanceof AddressAnswer.TempFail ? v4 : v6;
    }

    private AddressAnswer addresses(String name, String type) {
        Class<?> family = type.equals("A") ? Inet4Address.class : Inet6Address.class;
        return switch (ask(name, type)) {
            case Found.Records(var records) -> {
                // The suite has "A: 1.2.3.4" and "AAAA: 1234::2"; a literal of the other family is ignored.
                List<InetAddress> found = records.stream().map(r -> InetAddress.ofLiteral(r.asString())).filter(family::isInstance).toList();
                yield found.isEmpty() ? new AddressAnswer.NoRecords() : new AddressAnswer.Found(found);
            }
            case Found.NoRecords _ -> new AddressAnswer.NoRecords();
            case Found.NxDomain _ -> new AddressAnswer.NxDomain();
            case Found.TimedOut(var reason) -> new AddressAnswer.TempFail(reason);
        };
    }

    @Override
    public MxAnswer mx(String domain) {
        return switch (ask(domain, "MX")) {
            case Found.Records(var records) -> {
                var hosts = new ArrayList<Mx>();
                for (JsonNode r : records) {
                    String host = r.get(1).asString();
                    if (!host.isEmpty() && !host.equals(".")) hosts.add(new Mx(r.get(0).asInt(), host));
                }
                yield hosts.isEmpty() ? new MxAnswer.NullMx() : new MxAnswer.Records(hosts);
            }
            case Found.NoRecords _ -> new MxAnswer.NoRecords();
            case Found.NxDomain _ -> new MxAnswer.NxDomain();
            case Found.TimedOut(var reason) -> new MxAnswer.TempFail(reason);
        };
    }

    @Override
    public PtrAnswer ptr(InetAddress address) {
        return switch (ask(reverseName(address), "PTR")) {
            case Found.Records(var records) -> new PtrAnswer.Names(records.stream()
                    .map(r -> key(r.asString())).toList());
            case Found.NoRecords _ -> new PtrAnswer.NoRecords();
            case Found.NxDomain _ -> new PtrAnswer.NxDomain();
            case Found.TimedOut(var reason) -> new PtrAnswer.TempFail(reason);
        };
    }

    /** {@code in-addr.arpa} or nibble {@code ip6.arpa} (RFC 3596 §2.5). */
    static String reverseName(InetAddress address) {
        byte[] b = address.getAddress();
        var sb = new StringBuilder();
        if (b.length == 4) {
            for (int i = 3; i >= 0; i--) sb.append(b[i] & 0xff).append('.');
            return sb.append("in-addr.arpa").toString();
        }
        Function<Integer, Character> hex = n -> Character.forDigit(n, 16);
        for (int i = 15; i >= 0; i--) sb.append(hex.apply(b[i] & 0xf)).append('.').append(hex.apply((b[i] >> 4) & 0xf)).append('.');
        return sb.append("ip6.arpa").toString();
    }

    /** DNS names compare without case and without the final dot. */
    private static String key(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        return lower.endsWith(".") ? lower.substring(0, lower.length() - 1) : lower;
    }
}
