package dev.facteur.admin;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The parameters of a {@code /api/} request's query string. Strict where a guess could change the
 * wrong mail: a parameter given twice, or one the endpoint does not know (a misspelt
 * {@code domian=} would widen a bulk delete to every message), is refused. An empty value is no
 * value, so that a form may send every field.
 */
record Query(Map<String, String> values) {

    Query {
        values = Map.copyOf(values);
    }

    /** @throws IllegalArgumentException for a parameter given twice, or one that does not decode */
    static Query parse(String raw) {
        Map<String, String> out = new HashMap<>();
        if (raw == null || raw.isEmpty()) return new Query(out);
        for (String kv : raw.split("&")) {
            if (kv.isEmpty()) continue;
            int eq = kv.indexOf('=');
            String name = decode(eq < 0 ? kv : kv.substring(0, eq));
            String value = eq < 0 ? "" : decode(kv.substring(eq + 1));
            if (out.put(name, value) != null) throw new IllegalArgumentException(name + ": given more than once");
        }
        return new Query(out);
    }

    private static String decode(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }

    /** The value of {@code name}; empty when absent or empty. */
    Optional<String> get(String name) {
        return Optional.ofNullable(values.get(name)).map(String::strip).filter(v -> !v.isEmpty());
    }

    /** @throws IllegalArgumentException naming the first parameter not in {@code known} */
    Query only(Set<String> known) {
        for (String name : new TreeSet<>(values.keySet()))
            if (!known.contains(name)) throw new IllegalArgumentException(name + ": unknown parameter (" + String.join(", ", new TreeSet<>(known)) + ")");
        return this;
    }

    /** {@code true} when {@code name=true}; absent or empty is false; any other value is refused. */
    boolean flag(String name) {
        return get(name).map(v -> switch (v) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException(name + ": true or false, not " + v);
        }).orElse(false);
    }
}
