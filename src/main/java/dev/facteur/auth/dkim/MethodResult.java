package dev.facteur.auth.dkim;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/** Writes a {@link DkimResult} as an RFC 8601 method result. */
final class MethodResult {

    /** What a pvalue takes unquoted: RFC 2045 token characters, and the "@" of an identity (RFC 8601 §2.2). */
    private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+\\-.0-9A-Z^_`a-z{|}~@]+");

    private MethodResult() {}

    static String render(DkimResult result, boolean withReason) {
        List<String> parts = new ArrayList<>(List.of("dkim=" + result.name()));
        if (withReason) parts.add("reason=" + quoted(result.cause()));
        SignatureFacts s = result.signature();
        property(parts, "header.d", s.domain());
        property(parts, "header.i", s.identity());
        property(parts, "header.s", s.selector());
        property(parts, "header.a", s.algorithm());
        property(parts, "header.b", s.headerB());
        return String.join(" ", parts);
    }

    private static void property(List<String> parts, String name, String value) {
        if (!value.isEmpty()) parts.add(name + "=" + (TOKEN.matcher(value).matches() ? value : quoted(value)));
    }

    private static String quoted(String text) {
        return "\"" + text.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
