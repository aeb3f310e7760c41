package dev.facteur.routing;

import dev.facteur.message.AddressSyntax;
import dev.facteur.message.Mailbox;
import dev.facteur.net.HostPort;
import dev.facteur.smtp.Reply;
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
                t = parseTransport(e.value());
            } catch (IllegalArgumentException x) {
                throw new MapFile.Invalid(where, e.line(), x.getMessage());
            }
            if (out.put(key, t) != null) throw new MapFile.Invalid(where, e.line(), "duplicate entry for " + e.key());
        }
        return new TransportMap(Map.copyOf(out));
    }

    /** Parses the right-hand side: {@code smtp:…}, {@code lmtp:…}, {@code local}, {@code discard}, {@code hold}, {@code error:…}. */
    public static Transport parseTransport(String s) {
        String v = s.strip();
        String lower = v.toLowerCase(Locale.ROOT);
        switch (lower) {
            case "local" -> { return new Transport.Local(); }
            case "discard" -> { return new Transport.Discard(); }
            case "hold" -> { return new Transport.Hold(); }
            default -> { }
        }
        if (lower.startsWith("error:")) return error(v.substring(6).strip());
        if (lower.startsWith("smtp:")) return smtp(v.substring(5));
        if (lower.startsWith("lmtp:")) {
            String rest = v.substring(5);
            if (rest.startsWith("unix:") || rest.startsWith("/")) {
                String path = rest.startsWith("unix:") ? rest.substring(5) : rest;
                if (!path.startsWith("/")) throw new IllegalArgumentException("lmtp:unix: needs an absolute socket path");
                return new Transport.Lmtp(null, java.nio.file.Path.of(path));
            }
            Transport.Smtp hp = smtp(rest);
            if (hp.port() <= 0) throw new IllegalArgumentException("lmtp: needs host:port (LMTP has no standard port)");
            return new Transport.Lmtp(new HostPort(hp.host(), hp.port()), null);
        }
        throw new IllegalArgumentException("unknown transport: " + s + " (smtp:, lmtp:, local, discard, hold, error:)");
    }

    private static Transport.Smtp smtp(String rest) {
        boolean literal = rest.startsWith("[");
        String host;
        String port = null;
        if (literal) {
            int close = rest.indexOf(']');
            if (close < 0) throw new IllegalArgumentException("missing ] in " + rest);
            host = rest.substring(1, close);
            String after = rest.substring(close + 1);
            if (!after.isEmpty()) {
                if (!after.startsWith(":")) throw new IllegalArgumentException("expected :port after ] in " + rest);
                port = after.substring(1);
            }
        } else {
            int colon = rest.lastIndexOf(':');
            host = colon < 0 ? rest : rest.substring(0, colon);
            if (colon >= 0) port = rest.substring(colon + 1);
        }
        if (host.isEmpty() || !(AddressSyntax.isDomain(host, false) || isIp(host)))
            throw new IllegalArgumentException("bad host in " + rest);
        int p = 0;
        if (port != null) {
            try {
                p = Integer.parseInt(port);
            } catch (NumberFormatException x) {
                throw new IllegalArgumentException("bad port in " + rest);
            }
            if (p < 1 || p > 65535) throw new IllegalArgumentException("port out of range in " + rest);
        }
        return new Transport.Smtp(host, p, !literal);
    }

    private static boolean isIp(String h) {
        return h.matches("[0-9.]+") || (h.indexOf(':') >= 0 && h.matches("[0-9A-Fa-f:.]+"));
    }

    private static Transport error(String text) {
        var m = java.util.regex.Pattern.compile("([45])\\.(\\d{1,3})\\.(\\d{1,3})(?:\\s+(.*))?").matcher(text);
        if (!m.matches()) throw new IllegalArgumentException("error: needs an enhanced status code, e.g. error:5.7.1 text");
        boolean permanent = m.group(1).equals("5");
        String why = m.group(4) == null || m.group(4).isBlank() ? "Mail for this address is refused" : m.group(4).strip();
        String enhanced = m.group(1) + "." + m.group(2) + "." + m.group(3);
        return new Transport.Error(new Reply(permanent ? 550 : 450, enhanced, why));
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
