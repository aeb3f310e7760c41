package dev.facteur.dns;

import java.util.Locale;
import java.util.Objects;

/**
 * One MX record: a preference (lower is tried first) and the exchanger's host name, lowercased
 * and without the trailing dot.
 *
 * <p>The host is reported exactly as DNS gave it, even when it looks like an address literal
 * ({@code MX 10 127.0.0.5.}). RFC 5321 §5.1 says an MX must name a host, not an address, but many
 * MTAs accept such records; whether to do so is routing's decision, not this package's.
 */
public record Mx(int preference, String host) {

    public Mx {
        if (preference < 0 || preference > 0xFFFF) throw new IllegalArgumentException("MX preference out of range: " + preference);
        Objects.requireNonNull(host, "host");
        // Normalised here so that answers from a fake compare equal to answers from DNS.
        if (host.endsWith(".")) host = host.substring(0, host.length() - 1);
        host = host.toLowerCase(Locale.ROOT);
        if (host.isEmpty()) throw new IllegalArgumentException("an MX host cannot be the root: that is a null MX");
    }
}
