package dev.facteur.testing;

import dev.facteur.dns.AddressAnswer;
import dev.facteur.dns.DnsResolver;
import dev.facteur.dns.Mx;
import dev.facteur.dns.MxAnswer;
import dev.facteur.dns.PtrAnswer;
import dev.facteur.dns.TxtAnswer;
import java.net.Inet6Address;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A {@link DnsResolver} that answers from what a test told it, for tests of code that routes mail
 * or checks clients. A name it was told nothing about is NXDOMAIN; a name known for one question
 * and not the other (MX but no address, or the reverse) answers NoRecords to the other, as DNS
 * would. A name made {@link #silent} does not answer: the lookup waits until its thread is
 * interrupted, as a lookup of a server that does not answer waits out its timeout.
 */
public final class FakeDnsResolver implements DnsResolver {

    private final Map<String, MxAnswer> mx = new ConcurrentHashMap<>();
    private final Map<String, AddressAnswer> addresses = new ConcurrentHashMap<>();
    private final Map<InetAddress, PtrAnswer> ptr = new ConcurrentHashMap<>();
    private final Map<String, TxtAnswer> txt = new ConcurrentHashMap<>();
    private final Set<String> silent = ConcurrentHashMap.newKeySet();
    private final List<String> asked = new CopyOnWriteArrayList<>();

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

    /** The PTR names of {@code address}, an IP literal. */
    public FakeDnsResolver withPtr(String address, String... names) {
        return withPtr(address, new PtrAnswer.Names(List.of(names)));
    }

    public FakeDnsResolver withPtr(String address, PtrAnswer answer) {
        ptr.put(InetAddress.ofLiteral(address), answer);
        return this;
    }

    /** The TXT records of {@code name}, each already joined from its strings. */
    public FakeDnsResolver withTxt(String name, String... records) {
        return withTxt(name, new TxtAnswer.Records(List.of(records)));
    }

    public FakeDnsResolver withTxt(String name, TxtAnswer answer) {
        txt.put(key(name), answer);
        return this;
    }

    /** Lookups of {@code name} (any question) never answer. */
    public FakeDnsResolver silent(String name) {
        silent.add(key(name));
        return this;
    }

    /** The names asked so far, each as "A name", "AAAA name", "ADDR name", "MX name", "TXT name" or "PTR address", in order. */
    public List<String> asked() {
        return List.copyOf(asked);
    }

    @Override
    public MxAnswer mx(String domain) {
        String key = key(domain);
        asked.add("MX " + key);
        if (waitedInVain(key)) return new MxAnswer.TempFail("MX " + key + ": the fake stayed silent");
        MxAnswer answer = mx.get(key);
        if (answer != null) return answer;
        return addresses.containsKey(key) || txt.containsKey(key) ? new MxAnswer.NoRecords() : new MxAnswer.NxDomain();
    }

    @Override
    public AddressAnswer addresses(String host) {
        String key = key(host);
        asked.add("ADDR " + key);
        return addressesOf(key);
    }

    @Override
    public AddressAnswer ipv4(String name) {
        String key = key(name);
        asked.add("A " + key);
        return oneFamily(key, Inet4Address.class);
    }

    @Override
    public AddressAnswer ipv6(String name) {
        String key = key(name);
        asked.add("AAAA " + key);
        return oneFamily(key, Inet6Address.class);
    }

    private AddressAnswer oneFamily(String key, Class<? extends InetAddress> family) {
        return switch (addressesOf(key)) {
            case AddressAnswer.Found(var all) -> {
                List<InetAddress> some = all.stream().filter(family::isInstance).toList();
                yield some.isEmpty() ? new AddressAnswer.NoRecords() : new AddressAnswer.Found(some);
            }
            case AddressAnswer other -> other;
        };
    }

    @Override
    public TxtAnswer txt(String name) {
        String key = key(name);
        asked.add("TXT " + key);
        if (waitedInVain(key)) return new TxtAnswer.TempFail("TXT " + key + ": the fake stayed silent");
        TxtAnswer answer = txt.get(key);
        if (answer != null) return answer;
        return mx.containsKey(key) || addresses.containsKey(key) ? new TxtAnswer.NoRecords() : new TxtAnswer.NxDomain();
    }

    @Override
    public PtrAnswer ptr(InetAddress address) {
        asked.add("PTR " + address.getHostAddress());
        if (waitedInVain(address.getHostAddress())) return new PtrAnswer.TempFail("PTR " + address.getHostAddress() + ": the fake stayed silent");
        return ptr.getOrDefault(address, new PtrAnswer.NxDomain());
    }

    private AddressAnswer addressesOf(String key) {
        if (waitedInVain(key)) return new AddressAnswer.TempFail(key + ": the fake stayed silent");
        AddressAnswer answer = addresses.get(key);
        if (answer != null) return answer;
        return mx.containsKey(key) || txt.containsKey(key) ? new AddressAnswer.NoRecords() : new AddressAnswer.NxDomain();
    }

    /**
     * For a silent name: waits until interrupted, and says so. After a minute it gives up anyway,
     * so that code that never stops waiting fails its test (with this fake's reason) rather than
     * hanging the build.
     */
    private boolean waitedInVain(String key) {
        if (!silent.contains(key)) return false;
        try {
            new CountDownLatch(1).await(1, TimeUnit.MINUTES);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return true;
    }

    private static String key(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        return lower.endsWith(".") ? lower.substring(0, lower.length() - 1) : lower;
    }
}
