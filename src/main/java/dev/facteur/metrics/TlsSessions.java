package dev.facteur.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * {@code facteur_tls_sessions_total{direction,version}}: TLS sessions started, inbound (our
 * listeners) and outbound (delivery), by the protocol version the JDK names. The versions are
 * the JDK's few names ({@code TLSv1.2}, {@code TLSv1.3}, older ones where a peer insists); any
 * other string counts as {@code other}.
 */
final class TlsSessions {

    private static final Pattern KNOWN = Pattern.compile("TLSv1(\\.[0-3])?|SSLv3");

    private final MeterRegistry registry;
    private final Map<String, Counter> inbound = new ConcurrentHashMap<>();
    private final Map<String, Counter> outbound = new ConcurrentHashMap<>();

    TlsSessions(MeterRegistry registry) {
        this.registry = registry;
        for (String v : new String[] {"TLSv1.2", "TLSv1.3"}) {
            counter(inbound, "inbound", v);
            counter(outbound, "outbound", v);
        }
    }

    void inbound(String protocol) {
        counter(inbound, "inbound", version(protocol)).increment();
    }

    void outbound(String protocol) {
        counter(outbound, "outbound", version(protocol)).increment();
    }

    private Counter counter(Map<String, Counter> direction, String name, String version) {
        Counter c = direction.get(version);
        if (c != null) return c;
        return direction.computeIfAbsent(version, v -> Counter.builder("facteur.tls.sessions").tags("direction", name, "version", v)
                .description("TLS sessions started, by direction and protocol version").register(registry));
    }

    /** The version word of a protocol as the JDK or the log names it ("TLSv1.3", "TLSv1.3 with cipher ..."). */
    static String version(String protocol) {
        int sp = protocol.indexOf(' ');
        String v = sp < 0 ? protocol : protocol.substring(0, sp);
        return KNOWN.matcher(v).matches() ? v : "other";
    }
}
