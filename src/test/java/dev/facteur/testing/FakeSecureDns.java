package dev.facteur.testing;

import dev.facteur.dns.AddressAnswer;
import dev.facteur.dns.MxAnswer;
import dev.facteur.dns.SecureDns;
import dev.facteur.dns.Tlsa;
import dev.facteur.dns.Validated;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A {@link SecureDns} that answers from what a test told it, for tests of delivery with DANE
 * without a signed zone. A question it was told nothing about is answered as unsigned DNS would
 * answer it: insecure NXDOMAIN, insecure "no TLSA records". Every question asked is kept.
 */
public final class FakeSecureDns implements SecureDns {

    private final Map<String, Validated<MxAnswer>> mx = new ConcurrentHashMap<>();
    private final Map<String, Validated<AddressAnswer>> addresses = new ConcurrentHashMap<>();
    private final Map<String, Validated<List<Tlsa>>> tlsa = new ConcurrentHashMap<>();
    private final List<String> asked = new CopyOnWriteArrayList<>();

    public FakeSecureDns withMx(String domain, Validated<MxAnswer> answer) {
        mx.put(key(domain), answer);
        return this;
    }

    public FakeSecureDns withAddresses(String host, Validated<AddressAnswer> answer) {
        addresses.put(key(host), answer);
        return this;
    }

    /** The answer for {@code _port._tcp.host}. */
    public FakeSecureDns withTlsa(String host, int port, Validated<List<Tlsa>> answer) {
        tlsa.put(key(host) + ":" + port, answer);
        return this;
    }

    /** The questions asked so far, as "MX dane.test", "TLSA mx.dane.test:25". */
    public List<String> asked() {
        return List.copyOf(asked);
    }

    @Override
    public Validated<MxAnswer> mx(String domain) {
        asked.add("MX " + key(domain));
        return mx.getOrDefault(key(domain), new Validated.Insecure<>(new MxAnswer.NxDomain()));
    }

    @Override
    public Validated<AddressAnswer> addresses(String host) {
        asked.add("ADDRESSES " + key(host));
        return addresses.getOrDefault(key(host), new Validated.Insecure<>(new AddressAnswer.NxDomain()));
    }

    @Override
    public Validated<List<Tlsa>> tlsa(String host, int port) {
        asked.add("TLSA " + key(host) + ":" + port);
        return tlsa.getOrDefault(key(host) + ":" + port, new Validated.Insecure<>(List.of()));
    }

    private static String key(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        return n.endsWith(".") ? n.substring(0, n.length() - 1) : n;
    }
}
