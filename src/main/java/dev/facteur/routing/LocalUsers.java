package dev.facteur.routing;

import dev.facteur.message.AddressSyntax;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;

/**
 * The mailboxes that exist: {@code alice} is a user in every local domain, {@code bob@example.test}
 * only in that one. A users file holds one such name per line ({@code #} comments).
 */
public final class LocalUsers {

    public static final LocalUsers NONE = new LocalUsers(Set.of());

    private final Set<String> names; // lower-cased "user" or "user@domain"

    private LocalUsers(Set<String> names) {
        this.names = names;
    }

    /** From configured names; a bad one is an {@link IllegalArgumentException} naming it. */
    public static LocalUsers of(Collection<String> names) {
        Set<String> out = new HashSet<>();
        for (String n : names) out.add(check(n));
        return new LocalUsers(Set.copyOf(out));
    }

    public static LocalUsers read(Path file) throws IOException, MapFile.Invalid {
        Set<String> out = new HashSet<>();
        String[] lines = Files.readString(file, StandardCharsets.UTF_8).split("\r?\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String s = lines[i].strip();
            if (s.isEmpty() || s.startsWith("#")) continue;
            try {
                out.add(check(s));
            } catch (IllegalArgumentException e) {
                throw new MapFile.Invalid(file.toString(), i + 1, e.getMessage());
            }
        }
        return new LocalUsers(Set.copyOf(out));
    }

    private static String check(String name) {
        String n = name.strip().toLowerCase(Locale.ROOT);
        boolean ok = n.indexOf('@') >= 0 ? AddressSyntax.tryParseMailbox(n, true).isPresent()
                : !n.isEmpty() && AddressSyntax.tryParseMailbox(n + "@example.test", true).isPresent();
        if (!ok || n.startsWith(".") || n.contains("/")) throw new IllegalArgumentException("not a user name or address: " + name);
        return n;
    }

    public boolean exists(String localPart, String domain) {
        String l = localPart.toLowerCase(Locale.ROOT);
        return names.contains(l) || names.contains(l + "@" + domain.toLowerCase(Locale.ROOT));
    }

    /** Both tables together: configured names and the file's. */
    public LocalUsers and(LocalUsers other) {
        Set<String> all = new HashSet<>(names);
        all.addAll(other.names);
        return new LocalUsers(Set.copyOf(all));
    }
}
