package dev.facteur.reports.tls;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A TLS report email read back as a receiver reads it, independently of how it was written:
 * header fields unfolded (RFC 5322 §2.2.3), the multipart split on its boundary (RFC 2046 §5.1.1),
 * each part's fields and body, and the report part's base64 decoded, gunzipped and parsed.
 */
final class TlsReportMail {

    /** One entity: its fields (names lowercased, in order, unfolded) and its body as written. */
    record Entity(Map<String, String> fields, String body) {
        String field(String name) {
            return fields.get(name.toLowerCase(Locale.ROOT));
        }

        /** The media type of Content-Type, lowercased. */
        String type() {
            String ct = field("content-type");
            return ct == null ? "text/plain" : ct.split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
        }

        /** A parameter of {@code field}, its quotes removed. */
        String param(String field, String name) {
            String v = field(field);
            if (v == null) return null;
            for (String p : v.split(";")) {
                int eq = p.indexOf('=');
                if (eq > 0 && p.substring(0, eq).strip().equalsIgnoreCase(name)) {
                    String value = p.substring(eq + 1).strip();
                    return value.startsWith("\"") ? value.substring(1, value.length() - 1) : value;
                }
            }
            return null;
        }
    }

    final Entity message;
    final List<Entity> parts;

    private TlsReportMail(Entity message, List<Entity> parts) {
        this.message = message;
        this.parts = parts;
    }

    static TlsReportMail read(String text) {
        if (text.replace("\r\n", "").contains("\n")) throw new IllegalArgumentException("a bare LF in the message");
        Entity message = entity(text);
        String boundary = message.param("content-type", "boundary");
        if (boundary == null) throw new IllegalArgumentException("not a multipart: " + message.field("content-type"));
        String body = "\r\n" + message.body();
        int end = body.indexOf("\r\n--" + boundary + "--");
        if (end < 0) throw new IllegalArgumentException("no closing delimiter");
        String[] chunks = body.substring(0, end).split("\r\n--" + java.util.regex.Pattern.quote(boundary) + "\r\n", -1);
        List<Entity> parts = new ArrayList<>();
        for (int i = 1; i < chunks.length; i++) parts.add(entity(chunks[i])); // chunks[0] is the preamble
        return new TlsReportMail(message, List.copyOf(parts));
    }

    private static Entity entity(String text) {
        int blank = text.indexOf("\r\n\r\n");
        String head = blank < 0 ? text : text.substring(0, blank);
        Map<String, String> fields = new LinkedHashMap<>();
        for (String field : head.replaceAll("\r\n([ \t])", "$1").split("\r\n")) {
            int colon = field.indexOf(':');
            if (colon <= 0) throw new IllegalArgumentException("not a header field: " + field);
            fields.put(field.substring(0, colon).toLowerCase(Locale.ROOT), field.substring(colon + 1).strip());
        }
        return new Entity(fields, blank < 0 ? "" : text.substring(blank + 4));
    }

    /** The part of this media type. */
    Entity part(String type) {
        return parts.stream().filter(p -> p.type().equals(type)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + type + " part in " + parts.stream().map(Entity::type).toList()));
    }

    /** The report attachment, decoded and gunzipped. */
    byte[] reportJson() {
        Entity a = part("application/tlsrpt+gzip");
        byte[] gz = Base64.getMimeDecoder().decode(a.body());
        try (var in = new GZIPInputStream(new ByteArrayInputStream(gz))) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    JsonNode report() {
        return JsonMapper.builder().build().readTree(reportJson());
    }
}
