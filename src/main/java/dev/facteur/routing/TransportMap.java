package dev.facteur.routing;

import dev.facteur.message.AddressSyntax;
import dev.facteur.message.Mailbox;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The transport map (Postfix's transport(5), sendmail's mailertable): where mail for an address
 * or a domain goes, overriding MX routing.
 *
 * <pre>
 * user@example.org    error:5.7.1 This address no longer takes mail
 * example.org         smtp:[10.0.0.5]:2525     # that server, no MX lookup
 * .example.org        smtp:relay.example.net   # subdomains: the MX hosts of relay.example.net
 * lists.example.test  lmtp:127.0.0.1:24
 * archive.example     discard
 * slow.example        hold
 * *                   smtp:[smarthost.example]:587
 * </pre>
 *
 * Lookup order: the full address, the domain, each parent domain as {@code .parent}, then {@code *}.
 */
public final class TransportMap {

    public static final TransportMap NONE = new TransportMap(Map.of());

    private final Map<String, Transport> entries;

    private TransportMap(Map<String, Transport> entries) {
        this.entries = entries;
    }

    public static TransportMap read(Path file) throws IOException, MapFile.Invalid {
        return parse(MapFile.read(file), file.toString());
    }

    public static TransportMap parse(List<MapFile.Entry> lines, String where) throws MapFile.Invalid {
        Map<String, Transport> out = new HashMap<>();
        for (MapFile.Entry e : lines) {
            String key = e.key().toLowerCase(Locale.ROOT);
            boolean valid = key.equals("*")
                    || (key.indexOf('@') > 0 ? AddressSyntax.tryParseMailbox(key, true).isPresent()
                            : AddressSyntax.isDomain(key.startsWith(".") ? key.substring(1) : key, true));
            if (!valid) throw new MapFile.Invalid(where, e.line(), "not an address, domain, .domain or *: " + e.key());
            Transport t;
            try {
                t = Transport.parse(e.value());
            } catch (IllegalArgumentException x) {
                throw new MapFile.Invalid(where, e.line(), x.getMessage());
            }
            if (out.put(key, t) != null) throw new MapFile.Invalid(where, e.line(), "duplicate entry for " + e.key());
        }
        return new TransportMap(Map.copyOf(out));
    }

    /** Whether the map names this very address (not only its domain). */
    public boolean hasAddressEntry(Mailbox rcpt) {
        Transport t = entries.get(rcpt.localPart().toLowerCase(Locale.ROOT) + "@" + rcpt.domainKey());
        return t != null && !(t instanceof Transport.Error);
    }

    /** The entry for this recipient, if the map has one; {@code *} only when {@code withDefault}. */
    public Optional<Transport> lookup(Mailbox rcpt, boolean withDefault) {
        if (entries.isEmpty()) return Optional.empty();
        String domain = rcpt.domainKey();
        Transport t = entries.get(rcpt.localPart().toLowerCase(Locale.ROOT) + "@" + domain);
        if (t == null) t = entries.get(domain);
        for (int dot = domain.indexOf('.'); t == null && dot >= 0; dot = domain.indexOf('.', dot + 1))
            t = entries.get(domain.substring(dot));
        if (t == null && withDefault) t = entries.get("*");
        return Optional.ofNullable(t);
    }
}
