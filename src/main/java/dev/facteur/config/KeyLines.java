package dev.facteur.config;

import java.util.HashMap;
import java.util.Map;

/**
 * Finds the line where a key is set, for error messages: Jackson's TOML parser builds a tree
 * without positions, so the lines are read back from the text. Handles {@code [table]} headers
 * and {@code key = value} lines, which is how Facteur's configuration is written. The entries
 * of an {@code [[array]]} of tables are told apart ({@code dkim.keys[1].selector}): an error in
 * the second key must not send the operator to the first.
 */
final class KeyLines {

    private final Map<String, Integer> lines = new HashMap<>();

    KeyLines(String text) {
        String table = "";
        String unindexed = "";
        Map<String, Integer> entries = new HashMap<>();
        String[] all = text.split("\n", -1);
        for (int i = 0; i < all.length; i++) {
            String l = all[i].strip();
            if (l.startsWith("[")) {
                boolean array = l.startsWith("[[");
                int close = l.indexOf(']');
                if (close > 0) {
                    unindexed = unquote(l.substring(array ? 2 : 1, close).strip());
                    table = array ? unindexed + "[" + (entries.merge(unindexed, 1, Integer::sum) - 1) + "]" : unindexed;
                    lines.putIfAbsent(unindexed, i + 1);
                    lines.putIfAbsent(table, i + 1);
                }
                continue;
            }
            int eq = l.indexOf('=');
            if (eq > 0 && !l.startsWith("#")) {
                String key = unquote(l.substring(0, eq).strip());
                lines.putIfAbsent(table.isEmpty() ? key : table + "." + key, i + 1);
                if (!unindexed.equals(table)) lines.putIfAbsent(unindexed + "." + key, i + 1);
            }
        }
    }

    private static String unquote(String s) {
        return s.length() >= 2 && (s.startsWith("\"") && s.endsWith("\"") || s.startsWith("'") && s.endsWith("'"))
                ? s.substring(1, s.length() - 1) : s;
    }

    /** The 1-based line, or 0 when it cannot be told. {@code table}: {@code smtp}, {@code dkim.keys[1]}, "" for the top. */
    int lineOf(String table, String key) {
        Integer n = lines.get(table.isEmpty() ? key : table + "." + key);
        return n == null ? 0 : n;
    }

    /** The line of a table's header ({@code [tls]}, the second {@code [[tls.sni]]}: {@code tls.sni[1]}), or 0. */
    int lineOfTable(String table) {
        Integer n = lines.get(table);
        return n == null ? 0 : n;
    }
}
