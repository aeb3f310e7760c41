package dev.facteur.reports.tls;

import dev.facteur.dns.DnsResolver;
import dev.facteur.dns.TxtAnswer;
import dev.facteur.message.AddressSyntax;
import dev.facteur.message.Mailbox;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A Policy Domain's TLSRPT record (RFC 8460 §3), the TXT record at {@code _smtp._tls.DOMAIN}:
 * where its reports go.
 *
 * <pre>
 * tlsrpt-record = tlsrpt-version 1*(field-delim tlsrpt-field) [field-delim]
 * field-delim   = *WSP ";" *WSP
 * tlsrpt-field  = tlsrpt-rua / tlsrpt-extension      ; rua is required
 * tlsrpt-rua    = %s"rua=" tlsrpt-uri *(*WSP "," *WSP tlsrpt-uri)
 * </pre>
 *
 * A record that breaks this syntax is no record at all. Unknown fields are ignored, as the RFC
 * says; of the URIs, only {@code mailto:} and {@code https:} are kept, and one that cannot be
 * used (another scheme, an address we could not put in RCPT TO, a {@code "!"} that should have
 * been percent-encoded) is left out with its reason, the others still count.
 *
 * @param rua     where reports go, in the order published
 * @param skipped the URIs left out, each with why
 */
public record TlsRptRecord(List<Rua> rua, List<String> skipped) {

    private static final String VERSION = "v=TLSRPTv1";
    private static final Pattern EXT_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,31}");
    private static final Pattern EXT_VALUE = Pattern.compile("[\\x21-\\x3A\\x3C\\x3E-\\x7E]+");

    public TlsRptRecord {
        rua = List.copyOf(rua);
        skipped = List.copyOf(skipped);
    }

    /** One reporting URI that can be used. */
    public sealed interface Rua {
        /** The URI as published. */
        String uri();

        /** A report by email (RFC 8460 §5.3). */
        record Mailto(String uri, Mailbox address) implements Rua {}

        /** A report POSTed (RFC 8460 §5.4). */
        record Https(String uri, URI target) implements Rua {}
    }

    /** What looking for the record found. */
    public sealed interface Lookup {
        /** One valid record. */
        record Found(TlsRptRecord record) implements Lookup {}

        /** No record, several, or one that is malformed: the domain does not take reports. */
        record None(String why) implements Lookup {}

        /** DNS did not answer now; asking later may work. */
        record TempFail(String reason) implements Lookup {}
    }

    /** {@code _smtp._tls.DOMAIN}. */
    public static String name(String policyDomain) {
        return "_smtp._tls." + policyDomain;
    }

    /** Looks up {@code policyDomain}'s record. */
    public static Lookup lookup(DnsResolver dns, String policyDomain) {
        return select(dns.txt(name(policyDomain)), name(policyDomain));
    }

    /**
     * RFC 8460 §3: of the TXT records, those that do not begin with {@code v=TLSRPTv1;} are
     * discarded; unless exactly one remains, the domain does not implement TLSRPT. Each record
     * comes with its strings already joined without spaces ({@link TxtAnswer}), as the RFC says.
     */
    static Lookup select(TxtAnswer answer, String name) {
        return switch (answer) {
            case TxtAnswer.Records(List<String> records) -> {
                List<String> ours = records.stream().filter(TlsRptRecord::beginsWithVersion).toList();
                if (ours.isEmpty()) yield new Lookup.None("no v=TLSRPTv1 record at " + name);
                if (ours.size() > 1) yield new Lookup.None(ours.size() + " v=TLSRPTv1 records at " + name + " (RFC 8460 §3: exactly one)");
                yield parse(ours.getFirst());
            }
            case TxtAnswer.NxDomain() -> new Lookup.None("no TLSRPT record: " + name + " does not exist");
            case TxtAnswer.NoRecords() -> new Lookup.None("no TLSRPT record at " + name);
            case TxtAnswer.TempFail(String reason) -> new Lookup.TempFail(reason);
        };
    }

    /** {@code v=TLSRPTv1}, then {@code ;} (with spaces before it, as field-delim allows). */
    private static boolean beginsWithVersion(String record) {
        if (!record.startsWith(VERSION)) return false;
        int i = VERSION.length();
        while (i < record.length() && isWsp(record.charAt(i))) i++;
        return i < record.length() && record.charAt(i) == ';';
    }

    /** One record's text: Found, or None with what is wrong with it. */
    public static Lookup parse(String text) {
        if (!beginsWithVersion(text)) return new Lookup.None("does not begin with v=TLSRPTv1;: " + text);
        String[] fields = text.substring(text.indexOf(';') + 1).split(";", -1);
        String ruaValue = null;
        for (int i = 0; i < fields.length; i++) {
            String field = strip(fields[i]);
            if (field.isEmpty()) {
                if (i == fields.length - 1) break; // a final field-delim
                return new Lookup.None("an empty field: " + text);
            }
            int eq = field.indexOf('=');
            if (eq < 0 || !EXT_NAME.matcher(field.substring(0, eq)).matches())
                return new Lookup.None("not a name=value field: \"" + field + "\"");
            String name = field.substring(0, eq), value = field.substring(eq + 1);
            if (name.equals("rua")) {
                if (ruaValue != null) return new Lookup.None("rua twice: " + text);
                ruaValue = value;
            } else if (!EXT_VALUE.matcher(value).matches()) { // an unknown field is ignored, if well-formed
                return new Lookup.None("a malformed value in \"" + field + "\"");
            }
        }
        if (ruaValue == null) return new Lookup.None("no rua (RFC 8460 §3: required): " + text);
        List<Rua> rua = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        for (String item : ruaValue.split(",", -1)) {
            String uri = strip(item);
            if (uri.isEmpty()) return new Lookup.None("an empty URI in rua: " + text);
            try {
                rua.add(uri(uri));
            } catch (IllegalArgumentException e) {
                skipped.add(uri + " (" + e.getMessage() + ")");
            }
        }
        return new Lookup.Found(new TlsRptRecord(rua, skipped));
    }

    /** One URI of the list, or IllegalArgumentException saying why it cannot be used. */
    private static Rua uri(String uri) {
        if (uri.chars().anyMatch(c -> c <= ' ' || c >= 0x7f)) throw new IllegalArgumentException("not a URI");
        if (uri.indexOf('!') >= 0) throw new IllegalArgumentException("\"!\" must be percent-encoded (RFC 8460 §3)");
        int colon = uri.indexOf(':');
        String scheme = colon < 0 ? "" : uri.substring(0, colon).toLowerCase(Locale.ROOT);
        return switch (scheme) {
            case "mailto" -> {
                String rest = uri.substring(colon + 1);
                int query = rest.indexOf('?'); // RFC 6068 hfields: a report's headers are ours to write
                String address = percentDecode(query < 0 ? rest : rest.substring(0, query))
                        .orElseThrow(() -> new IllegalArgumentException("bad percent-encoding"));
                try {
                    Mailbox m = AddressSyntax.parsePath("<" + address + ">", false);
                    if (!m.hasDomain() || m.isAddressLiteral()) throw new IllegalArgumentException("not an address at a domain");
                    yield new Rua.Mailto(uri, m);
                } catch (AddressSyntax.Invalid e) {
                    throw new IllegalArgumentException("not an address: " + e.getMessage());
                }
            }
            case "https" -> {
                URI target;
                try {
                    target = new URI(uri);
                } catch (URISyntaxException e) {
                    throw new IllegalArgumentException("not a URI: " + e.getReason());
                }
                if (target.getHost() == null || target.getHost().isEmpty()) throw new IllegalArgumentException("no host");
                if (target.getRawUserInfo() != null) throw new IllegalArgumentException("a user name in the URI");
                yield new Rua.Https(uri, target);
            }
            default -> throw new IllegalArgumentException("only mailto: and https: take reports (RFC 8460 §3)");
        };
    }

    private static Optional<String> percentDecode(String s) {
        var out = new ByteArrayOutputStream();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '%') {
                out.write(c); // ASCII only: checked above
                continue;
            }
            if (i + 2 >= s.length()) return Optional.empty();
            int hi = Character.digit(s.charAt(i + 1), 16), lo = Character.digit(s.charAt(i + 2), 16);
            if (hi < 0 || lo < 0) return Optional.empty();
            out.write(hi * 16 + lo);
            i += 2;
        }
        return Optional.of(out.toString(StandardCharsets.UTF_8));
    }

    private static boolean isWsp(char c) {
        return c == ' ' || c == '\t';
    }

    /** Without the WSP (space, tab) around it: not String.strip, which would take other white space too. */
    private static String strip(String s) {
        int a = 0, b = s.length();
        while (a < b && isWsp(s.charAt(a))) a++;
        while (b > a && isWsp(s.charAt(b - 1))) b--;
        return s.substring(a, b);
    }
}
