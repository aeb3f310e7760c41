package dev.facteur.routing;

import dev.facteur.message.AddressSyntax;
import dev.facteur.message.Mailbox;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The aliases file: where mail for an address of a local domain really goes.
 *
 * <pre>
 * # key: target, target, ...
 * info:              alice, bob@example.org   # "info" in every local domain
 * sales@example.test: carol                    # only in example.test
 * &#64;example.test:     catchall                 # anything else in example.test
 * </pre>
 *
 * A bare target name means that name in the domain of the address being expanded; it must be a
 * local part as RFC 5321 writes them (a dot-string such as {@code first.last}, or a quoted string),
 * and anything else is refused with its file and line. Keys are
 * matched without case (local parts of our own domains are case-insensitive here, as everywhere
 * in practice).
 */
public final class Aliases {

    public static final Aliases NONE = new Aliases(Map.of());

    private final Map<String, List<String>> entries; // key lower-cased: "local", "local@domain", "@domain"

    private Aliases(Map<String, List<String>> entries) {
        this.entries = entries;
    }

    public static Aliases read(Path file) throws IOException, MapFile.Invalid {
        return parse(MapFile.read(file), file.toString());
    }

    public static Aliases parse(List<MapFile.Entry> lines, String where) throws MapFile.Invalid {
        Map<String, List<String>> out = new HashMap<>();
        for (MapFile.Entry e : lines) {
            String key = e.key().toLowerCase(Locale.ROOT);
            if (key.endsWith("@") || key.indexOf('@') != key.lastIndexOf('@'))
                throw new MapFile.Invalid(where, e.line(), "bad alias name: " + e.key());
            List<String> targets = new ArrayList<>();
            for (String t : e.value().split(",")) {
                t = t.strip();
                if (t.isEmpty()) continue;
                if (t.startsWith("|") || t.startsWith("/") || t.startsWith(":include:"))
                    throw new MapFile.Invalid(where, e.line(), "commands, files and includes are not supported as alias targets: " + t);
                if (t.indexOf('@') >= 0) {
                    if (AddressSyntax.tryParseMailbox(t, true).isEmpty())
                        throw new MapFile.Invalid(where, e.line(), "bad address: " + t);
                } else if (!isLocalPart(t)) {
                    throw new MapFile.Invalid(where, e.line(), "bad local part: " + t);
                }
                targets.add(t);
            }
            if (targets.isEmpty()) throw new MapFile.Invalid(where, e.line(), "no targets for " + e.key());
            if (out.put(key, List.copyOf(targets)) != null)
                throw new MapFile.Invalid(where, e.line(), "duplicate alias " + e.key());
        }
        return new Aliases(Map.copyOf(out));
    }

    /**
     * RFC 5321 §4.1.2 Local-part (Dot-string or Quoted-string, UTF-8 allowed as in RFC 6531):
     * what a bare target must be to become {@code target@domain}.
     */
    private static boolean isLocalPart(String t) {
        return AddressSyntax.tryParseMailbox(t + "@example.test", true).isPresent();
    }

    /** The targets of {@code local@domain}: the domain's own entry first, then the one for all domains. */
    public Optional<List<Mailbox>> lookup(String localPart, String domain) {
        String l = localPart.toLowerCase(Locale.ROOT);
        String d = domain.toLowerCase(Locale.ROOT);
        List<String> t = entries.get(l + "@" + d);
        if (t == null) t = entries.get(l);
        return Optional.ofNullable(t).map(list -> targets(list, domain));
    }

    /** The catch-all targets for a domain ({@code @domain}), used when nothing else matches. */
    public Optional<List<Mailbox>> catchAll(String domain) {
        return Optional.ofNullable(entries.get("@" + domain.toLowerCase(Locale.ROOT))).map(list -> targets(list, domain));
    }

    private static List<Mailbox> targets(List<String> raw, String domain) {
        List<Mailbox> out = new ArrayList<>(raw.size());
        for (String t : raw) {
            out.add(t.indexOf('@') < 0 ? new Mailbox(t, domain) : AddressSyntax.tryParseMailbox(t, true).orElseThrow());
        }
        return out;
    }
}
