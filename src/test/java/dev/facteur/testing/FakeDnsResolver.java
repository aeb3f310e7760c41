package dev.facteur.testing;

import dev.facteur.dns.AddressAnswer;
import dev.facteur.dns.DnsResolver;
import dev.facteur.dns.Mx;
import dev.facteur.dns.MxAnswer;
import java.net.InetAddress;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * A {@link DnsResolver} that answers from what a test told it, for tests of code that routes mail.
 * A name it was told nothing about is NXDOMAIN; a name known for one question and not the other
 * (MX but no address, or the reverse) answers NoRecords to the other, as DNS would.
 */
public final class FakeDnsResolver implements DnsResolver {

    private final Map<String, MxAnswer> mx = new ConcurrentHashMap<>();
    private final Map<String, AddressAnswer> addresses = new ConcurrentHashMap<>();

    public FakeDnsResolver withMx(String domain, Mx... records) {
        return withMx(domain, new MxAnswer.Records(List.of(records)));
    }

    public FakeDnsResolver withMx(String domain, MxAnswer answer) {
        mx.put(key(domain), answer);
        return this;
    }

    /** {@code addresses} are IP literals such as "127.0.0.21" or "::1". */
    public FakeDnsResolver withAddresses(String host, String... addresses) {
        return withAddresses(host, new AddressAnswer.Found(Stream.of(addresses).map(InetAddress::ofLiteral).toList()));
    }

    public FakeDnsResolver withAddresses(String host, AddressAnswer answer) {
        addresses.put(key(host), answer);
        return this;
    }

    @Override
    public MxAnswer mx(String domain) {
        String key = key(domain);
        MxAnswer answer = mx.get(key);
        if (answer != null) return answer;
        return addresses.containsKey(key) ? new MxAnswer.NoRecords() : new MxAnswer.NxDomain();
    }

    @Override
    public AddressAnswer addresses(String host) {
        String key = key(host);
        AddressAnswer answer = addresses.get(key);
        if (answer != null) return answer;
        return mx.containsKey(key) ? new AddressAnswer.NoRecords() : new AddressAnswer.NxDomain();
    }

    private static String key(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        return lower.endsWith(".") ? lower.substring(0, lower.length() - 1) : lower;
    }
}
