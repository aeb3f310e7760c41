package dev.facteur.config;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.dataformat.toml.TomlMapper;

/** One TOML table and the keys read from it, so unknown keys can be reported. */
final class Table {
    private final ObjectNode node;
    private final String path;
    /** The path by which {@link KeyLines} knows this table: an array entry's has its index ({@code dkim.keys[1]}). */
    private final String linePath;
    private final String source;
    private final KeyLines lines;
    private final Set<String> known = new HashSet<>();

    Table(ObjectNode node, String path, String source, KeyLines lines) {
        this(node, path, path, source, lines);
    }

    private Table(ObjectNode node, String path, String linePath, String source, KeyLines lines) {
        this.node = node;
        this.path = path;
        this.linePath = linePath;
        this.source = source;
        this.lines = lines;
    }

    boolean has(String key) {
        return node.has(key);
    }

    Table table(String key) throws ConfigException {
        known.add(key);
        JsonNode n = node.get(key);
        String p = qualify(key);
        String lp = linePath.isEmpty() ? key : linePath + "." + key;
        if (n == null) return new Table(new TomlMapper().createObjectNode(), p, lp, source, lines);
        if (!n.isObject()) throw error(key, "must be a table [" + p + "]");
        return new Table((ObjectNode) n, p, lp, source, lines);
    }

    /** An {@code [[array]]} of tables; none is an empty list. */
    List<Table> tables(String key) throws ConfigException {
        known.add(key);
        JsonNode n = node.get(key);
        if (n == null) return List.of();
        if (!n.isArray()) throw error(key, "must be an array of tables [[" + qualify(key) + "]]");
        List<Table> out = new ArrayList<>();
        String lp = linePath.isEmpty() ? key : linePath + "." + key;
        for (JsonNode e : n) {
            if (!e.isObject()) throw error(key, "must be an array of tables [[" + qualify(key) + "]]");
            out.add(new Table((ObjectNode) e, qualify(key), lp + "[" + out.size() + "]", source, lines));
        }
        return out;
    }

    /** A string value converted by {@code f}, or empty when the key is absent. */
    <T> Optional<T> optional(String key, Function<String, T> f) throws ConfigException {
        if (!node.has(key)) {
            known.add(key);
            return Optional.empty();
        }
        return Optional.of(convert(key, null, f));
    }

    boolean bool(String key, boolean dflt) throws ConfigException {
        known.add(key);
        JsonNode n = node.get(key);
        if (n == null) return dflt;
        if (!n.isBoolean()) throw error(key, "must be true or false");
        return n.asBoolean();
    }

    String string(String key, String dflt) throws ConfigException {
        known.add(key);
        JsonNode n = node.get(key);
        if (n == null) return dflt;
        if (!n.isString()) throw error(key, "must be a string");
        return n.asString();
    }

    int integer(String key, int dflt, int min, int max) throws ConfigException {
        known.add(key);
        JsonNode n = node.get(key);
        if (n == null) return dflt;
        if (!n.isIntegralNumber()) throw error(key, "must be an integer");
        long v = n.asLong();
        if (v < min || v > max) throw error(key, "must be between " + min + " and " + max + ", got " + v);
        return (int) v;
    }

    double number(String key, double dflt, double min, double max) throws ConfigException {
        known.add(key);
        JsonNode n = node.get(key);
        if (n == null) return dflt;
        if (!n.isNumber()) throw error(key, "must be a number");
        double v = n.asDouble();
        if (!(v >= min && v <= max)) throw error(key, "must be between " + min + " and " + max + ", got " + v);
        return v;
    }

    /** A string value (or integer, for sizes) converted by {@code f}, whose exceptions become errors. */
    <T> T convert(String key, String dflt, Function<String, T> f) throws ConfigException {
        known.add(key);
        JsonNode n = node.get(key);
        String v;
        if (n == null) v = dflt;
        else if (n.isString()) v = n.asString();
        else if (n.isIntegralNumber()) v = n.asString();
        else throw error(key, "must be a string");
        try {
            return f.apply(v);
        } catch (IllegalArgumentException | ArithmeticException e) {
            throw error(key, e.getMessage());
        }
    }

    List<Integer> integers(String key, List<Integer> dflt, int min, int max) throws ConfigException {
        known.add(key);
        JsonNode n = node.get(key);
        if (n == null) return dflt;
        if (!n.isArray()) throw error(key, "must be an array of integers");
        List<Integer> out = new ArrayList<>();
        for (JsonNode e : n) {
            if (!e.isIntegralNumber()) throw error(key, "must be an array of integers");
            long v = e.asLong();
            if (v < min || v > max) throw error(key, "must hold integers between " + min + " and " + max + ", got " + v);
            out.add((int) v);
        }
        return List.copyOf(out);
    }

    <T> List<T> list(String key, List<String> dflt, Function<String, T> f) throws ConfigException {
        known.add(key);
        JsonNode n = node.get(key);
        List<String> raw = new ArrayList<>();
        if (n == null) {
            raw.addAll(dflt);
        } else {
            if (!n.isArray()) throw error(key, "must be an array of strings");
            for (JsonNode e : n) {
                if (!e.isString()) throw error(key, "must be an array of strings");
                raw.add(e.asString());
            }
        }
        List<T> out = new ArrayList<>();
        for (String s : raw) {
            try {
                out.add(f.apply(s));
            } catch (IllegalArgumentException e) {
                throw error(key, e.getMessage());
            }
        }
        return List.copyOf(out);
    }

    void fail(String key, String message) throws ConfigException {
        throw error(key, message);
    }

    void finish() throws ConfigException {
        for (var it = node.propertyNames().iterator(); it.hasNext(); ) {
            String key = it.next();
            if (!known.contains(key)) throw error(key, "unknown key");
        }
    }

    private String qualify(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    /**
     * The error, at the key's line; a key that is missing (required, or implied by another) is
     * placed at its table's header, the place to add it.
     */
    ConfigException error(String key, String message) {
        int line = lines.lineOf(linePath, key);
        if (line == 0) line = lines.lineOfTable(linePath);
        if (line == 0) line = lines.lineOf(path, key); // [x.y] below an [[x]] entry: known without the index
        if (line == 0) line = lines.lineOfTable(path);
        return new ConfigException(new ConfigProblem(source, line, qualify(key), message));
    }
}
