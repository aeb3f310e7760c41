package dev.facteur.routing;

import dev.facteur.message.AddressSyntax;
import dev.facteur.message.Mailbox;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Address rewriting (Postfix's canonical maps): {@code user@old.example new@example.test}
 * rewrites one address, {@code @old.example @example.test} rewrites a domain and keeps the
 * local part. The exact address wins over the domain. Rewriting is applied once, not repeated.
 */
public final class CanonicalMap {

    public static final CanonicalMap NONE = new CanonicalMap(Map.of(), Map.of());

    private final Map<String, Mailbox> addresses; // "local@domain" lower-cased -> new address
    private final Map<String, String> domains;    // "domain" -> new domain

    private CanonicalMap(Map<String, Mailbox> addresses, Map<String, String> domains) {
        this.addresses = addresses;
        this.domains = domains;
    }

    public static CanonicalMap read(Path file) throws IOException, MapFile.Invalid {
        return parse(MapFile.read(file), file.toString());
    }

    public static CanonicalMap parse(List<MapFile.Entry> lines, String where) throws MapFile.Invalid {
        Map<String, Mailbox> addresses = new HashMap<>();
        Map<String, String> domains = new HashMap<>();
        for (MapFile.Entry e : lines) {
            String key = e.key().toLowerCase(Locale.ROOT);
            String value = e.value();
            if (key.startsWith("@")) {
                if (!value.startsWith("@") || !AddressSyntax.isDomain(value.substring(1), true) || !AddressSyntax.isDomain(key.substring(1), true))
                    throw new MapFile.Invalid(where, e.line(), "a domain rewrite is \"@old.domain @new.domain\"");
                domains.put(key.substring(1), value.substring(1));
            } else {
                if (AddressSyntax.tryParseMailbox(key, true).isEmpty())
                    throw new MapFile.Invalid(where, e.line(), "bad address: " + e.key());
                Mailbox to = AddressSyntax.tryParseMailbox(value, true)
                        .orElseThrow(() -> new MapFile.Invalid(where, e.line(), "bad address: " + value));
                addresses.put(key, to);
            }
        }
        return new CanonicalMap(Map.copyOf(addresses), Map.copyOf(domains));
    }

    public Mailbox rewrite(Mailbox m) {
        if (!m.hasDomain()) return m;
        Mailbox exact = addresses.get(m.localPart().toLowerCase(Locale.ROOT) + "@" + m.domainKey());
        if (exact != null) return exact;
        String d = domains.get(m.domainKey());
        return d == null ? m : new Mailbox(m.localPart(), d);
    }
}
