package dev.facteur.sts;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * The MTA-STS TXT record of a domain, at {@code _mta-sts.DOMAIN} (RFC 8461 §3.1): it says the
 * domain has a policy, and {@code id} says which version, so that a sender knows when to fetch
 * it again. The record holds nothing else a sender needs; other fields are read and ignored.
 *
 * @param id 1 to 32 letters and digits
 */
public record StsRecord(String id) {

    /** The version tag a record starts with; anything else is not an MTA-STS record. */
    static final String VERSION = "v=STSv1";

    public StsRecord {
        if (!validId(id)) throw new IllegalArgumentException("an MTA-STS id is 1 to 32 letters and digits, got \"" + id + "\"");
    }

    /** What TXT records say, read as MTA-STS records. */
    public sealed interface Parse {
        /** One valid record. */
        record Valid(StsRecord record) implements Parse {}

        /**
         * A record that starts as an MTA-STS record but is not a valid one, or several of them: §3.1
         * says the sender then "MUST assume" that the domain has no policy available.
         */
        record Invalid(String reason) implements Parse {}

        /** No record starts with {@code v=STSv1}: the domain publishes no MTA-STS record. */
        record Absent() implements Parse {}
    }

    /**
     * §3.1: of the TXT records at {@code _mta-sts.DOMAIN} (each one's strings already joined), those
     * that do not start with {@code v=STSv1} are discarded; exactly one must remain, and be valid.
     */
    public static Parse select(List<String> records) {
        List<String> candidates = records.stream().filter(StsRecord::startsAsSts).toList();
        if (candidates.isEmpty()) return new Parse.Absent();
        if (candidates.size() > 1)
            return new Parse.Invalid(candidates.size() + " records start with " + VERSION + " (RFC 8461 §3.1 asks for exactly one)");
        return parse(candidates.getFirst());
    }

    /**
     * One record, by the ABNF of §3.1: {@code v=STSv1}, then fields separated by {@code ;} (with
     * optional spaces or tabs around it), a trailing {@code ;} allowed. {@code id} is required,
     * once; other fields ({@code name=value}) must be well-formed and are ignored. Names are case
     * sensitive: {@code ID=} is such another field, not the id.
     */
    public static Parse parse(String text) {
        if (!startsAsSts(text)) return new Parse.Absent();
        int at = VERSION.length();
        String id = null;
        int fields = 0;
        while (at < text.length()) {
            int delimiter = skipWsp(text, at);
            if (delimiter >= text.length() || text.charAt(delimiter) != ';')
                return invalid("expected \";\" at offset " + delimiter);
            at = skipWsp(text, delimiter + 1);
            if (at == text.length()) break; // a trailing separator
            int equals = text.indexOf('=', at);
            if (equals < 0) return invalid("a field without \"=\" at offset " + at);
            String name = text.substring(at, equals);
            int end = equals + 1;
            while (end < text.length() && valueChar(text.charAt(end))) end++;
            String value = text.substring(equals + 1, end);
            if (!fieldName(name)) return invalid("\"" + name + "\" is not a field name");
            if (value.isEmpty()) return invalid("the field " + name + " has no value");
            if (name.equals("id")) {
                if (id != null) return invalid("two id fields");
                if (!validId(value)) return invalid("the id must be 1 to 32 letters and digits, got \"" + value + "\"");
                id = value;
            }
            fields++;
            at = end;
        }
        if (fields == 0) return invalid("no fields after " + VERSION);
        if (id == null) return invalid("no id field");
        return new Parse.Valid(new StsRecord(id));
    }

    /**
     * The record to publish for {@code policy}, its id derived from the policy's text (the first
     * 16 hex digits of its SHA-256), so that the id changes whenever the policy does and never
     * otherwise: a sender fetches the policy again exactly when it should.
     */
    public static StsRecord of(StsPolicy policy) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(policy.text().getBytes(StandardCharsets.UTF_8));
            return new StsRecord(HexFormat.of().formatHex(digest, 0, 8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    /** The record as published: {@code v=STSv1; id=...}. */
    public String text() {
        return VERSION + "; id=" + id;
    }

    /**
     * Whether a record is one to consider: it starts with {@code v=STSv1}, followed by the end, a
     * space, a tab or {@code ;}. §3.1 speaks of records that "begin with v=STSv1;" while its ABNF
     * allows spaces before the {@code ;} (erratum 6285); both forms count here, and a record such
     * as {@code v=STSv10} does not.
     */
    private static boolean startsAsSts(String text) {
        if (!text.startsWith(VERSION)) return false;
        if (text.length() == VERSION.length()) return true;
        char next = text.charAt(VERSION.length());
        return next == ';' || next == ' ' || next == '\t';
    }

    private static Parse invalid(String reason) {
        return new Parse.Invalid(reason);
    }

    private static int skipWsp(String text, int at) {
        while (at < text.length() && (text.charAt(at) == ' ' || text.charAt(at) == '\t')) at++;
        return at;
    }

    /** sts-ext-name: a letter or digit, then up to 31 letters, digits, "_", "-" or ".". */
    private static boolean fieldName(String name) {
        if (name.isEmpty() || name.length() > 32 || !alphanumeric(name.charAt(0))) return false;
        for (int i = 1; i < name.length(); i++) {
            char c = name.charAt(i);
            if (!alphanumeric(c) && c != '_' && c != '-' && c != '.') return false;
        }
        return true;
    }

    /** sts-ext-value: visible ASCII but "=" and ";". */
    private static boolean valueChar(char c) {
        return c >= 0x21 && c <= 0x7e && c != '=' && c != ';';
    }

    private static boolean validId(String id) {
        if (id == null || id.isEmpty() || id.length() > 32) return false;
        for (int i = 0; i < id.length(); i++) if (!alphanumeric(id.charAt(i))) return false;
        return true;
    }

    private static boolean alphanumeric(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    }
}
