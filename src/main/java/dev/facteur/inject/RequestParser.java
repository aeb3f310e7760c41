package dev.facteur.inject;

import dev.facteur.inject.InjectionRequest.Content;
import dev.facteur.inject.InjectionRequest.Header;
import dev.facteur.inject.InjectionRequest.Recipient;
import dev.facteur.message.Mailbox;
import dev.facteur.mime.Composer;
import dev.facteur.mime.NamedAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * Reads the JSON of {@code POST /messages} into an {@link InjectionRequest}, or says which field
 * is wrong and why ({@link BadRequest}). Strict: an unknown field is an error (a misspelt
 * {@code "htm"} would otherwise send a message without its html), and so is a field of the
 * other form (a {@code subject} beside {@code raw}).
 */
public final class RequestParser {

    private static final Set<String> COMPOSED = Set.of("from", "to", "subject", "text", "html", "headers", "variables", "envelope_from", "bulk");
    private static final Set<String> RAW = Set.of("from", "to", "envelope_from", "raw", "raw_base64");
    private static final Set<String> RECIPIENT = Set.of("address", "name", "variables");
    private static final Set<String> ADDRESS = Set.of("address", "name");

    /**
     * Fields the composer writes itself, or that only servers write: the request has its own
     * fields for the first ({@code from}, {@code subject}, {@code text}, {@code html}).
     */
    static final Set<String> RESERVED_HEADERS = Set.of("from", "subject", "date", "message-id", "mime-version", "content-type",
            "content-transfer-encoding", "bcc", "received", "return-path");

    /** The variable every recipient has: its address. */
    public static final String RECIPIENT_VARIABLE = "recipient";

    /** A display name, in characters: room for any real one, and the field stays within its line limit. */
    static final int MAX_NAME = 256;

    private final InjectionLimits limits;

    public RequestParser(InjectionLimits limits) {
        this.limits = limits;
    }

    public InjectionRequest parse(JsonNode root) throws BadRequest {
        if (root == null || !root.isObject()) throw new BadRequest("", "the request must be a JSON object");
        boolean raw = root.has("raw") || root.has("raw_base64");
        Set<String> known = raw ? RAW : COMPOSED;
        for (String name : root.propertyNames()) {
            if (!known.contains(name)) {
                throw new BadRequest(name, COMPOSED.contains(name) || RAW.contains(name)
                        ? "not with " + (raw ? "raw or raw_base64: a raw message carries its own header and body" : "subject, text or html")
                        : "unknown field (the fields are " + String.join(", ", raw ? List.of("from", "to", "envelope_from", "raw", "raw_base64")
                                : List.of("from", "to", "subject", "text", "html", "headers", "variables", "envelope_from", "bulk")) + ")");
            }
        }
        List<Recipient> to = recipients(root.get("to"), raw);
        NamedAddress from = root.has("from") ? namedAddress(root.get("from"), "from") : null;
        Mailbox envelopeFrom = root.has("envelope_from") ? envelopeFrom(root.get("envelope_from")) : null;
        if (raw) {
            if (root.has("raw") && root.has("raw_base64")) throw new BadRequest("raw_base64", "give raw or raw_base64, not both");
            RawMessage message = root.has("raw") ? RawMessage.of(text(root.get("raw"), "raw").getBytes(StandardCharsets.UTF_8), "raw")
                    : RawMessage.of(base64(root.get("raw_base64")), "raw_base64");
            if (message.size() > limits.maxMessageChars())
                throw new BadRequest(root.has("raw") ? "raw" : "raw_base64", "larger than the server takes (" + limits.maxMessageChars() + " octets)");
            if (from == null && !message.has("from"))
                throw new BadRequest("from", "the message has no From field (RFC 5322 §3.6 requires one): add it, or give from");
            if (envelopeFrom == null) envelopeFrom = from != null ? from.address()
                    : message.from().orElseThrow(() -> new BadRequest("envelope_from", "no address in the message's From field: give envelope_from"));
            return new InjectionRequest(envelopeFrom, to, new Content.Raw(message, from));
        }
        if (from == null) throw new BadRequest("from", "required: the sender, \"news@example.com\" or \"News <news@example.com>\"");
        Template subject = template(root, "subject");
        Template text = template(root, "text");
        Template html = template(root, "html");
        if (text == null && html == null) throw new BadRequest("text", "give text, html or both (or raw)");
        boolean bulk = false;
        if (root.has("bulk")) {
            if (!root.get("bulk").isBoolean()) throw new BadRequest("bulk", "true or false");
            bulk = root.get("bulk").booleanValue();
        }
        return new InjectionRequest(envelopeFrom != null ? envelopeFrom : from.address(), to,
                new Content.Composed(from, subject, text, html, headers(root.get("headers")), variables(root.get("variables"), "variables"), bulk));
    }

    private List<Recipient> recipients(JsonNode to, boolean raw) throws BadRequest {
        if (to == null) throw new BadRequest("to", "required: a list of recipients");
        if (!to.isArray()) throw new BadRequest("to", "a list of recipients, [\"alice@example.org\", ...]");
        if (to.isEmpty()) throw new BadRequest("to", "no recipients");
        if (to.size() > limits.maxRecipients())
            throw new BadRequest("to", to.size() + " recipients: at most " + limits.maxRecipients() + " a request");
        List<Recipient> out = new ArrayList<>(to.size());
        Map<String, Integer> seen = new HashMap<>();
        for (int i = 0; i < to.size(); i++) {
            String field = "to[" + i + "]";
            JsonNode r = to.get(i);
            Recipient recipient;
            if (r.isObject()) {
                for (String name : r.propertyNames())
                    if (!RECIPIENT.contains(name)) throw new BadRequest(field + "." + name, "unknown field (address, name, variables)");
                if (raw && (r.has("name") || r.has("variables")))
                    throw new BadRequest(field + "." + (r.has("name") ? "name" : "variables"),
                            "not with raw: a raw message carries its own To field and text");
                recipient = new Recipient(namedAddress(r, field), variables(r.get("variables"), field + ".variables"));
            } else {
                recipient = new Recipient(namedAddress(r, field), Map.of());
            }
            Mailbox a = recipient.address().address();
            Integer before = seen.putIfAbsent(a.localPart() + "@" + a.domainKey(), i);
            if (before != null) throw new BadRequest(field, a + " is to[" + before + "] already");
            out.add(recipient);
        }
        return out;
    }

    /** {@code "Name <address>"}, {@code "address"}, or {@code {"address": ..., "name": ...}}. */
    private static NamedAddress namedAddress(JsonNode n, String field) throws BadRequest {
        try {
            if (n.isObject()) {
                if (!field.startsWith("to["))
                    for (String name : n.propertyNames()) if (!ADDRESS.contains(name)) throw new BadRequest(field + "." + name, "unknown field (address, name)");
                if (!n.has("address")) throw new BadRequest(field + ".address", "required");
                NamedAddress a = NamedAddress.parse(text(n.get("address"), field + ".address"));
                if (!a.name().isEmpty()) throw new BadRequest(field + ".address", "an address alone; the name goes in name");
                String name = n.has("name") ? text(n.get("name"), field + ".name").strip() : "";
                if (name.length() > MAX_NAME) throw new BadRequest(field + ".name", "longer than " + MAX_NAME + " characters");
                try {
                    return new NamedAddress(name, a.address());
                } catch (IllegalArgumentException e) {
                    throw new BadRequest(field + ".name", e.getMessage());
                }
            }
            NamedAddress a = NamedAddress.parse(text(n, field));
            if (a.name().length() > MAX_NAME) throw new BadRequest(field, "a name longer than " + MAX_NAME + " characters");
            return a;
        } catch (IllegalArgumentException e) {
            throw new BadRequest(field, e.getMessage());
        }
    }

    private static Mailbox envelopeFrom(JsonNode n) throws BadRequest {
        NamedAddress a = namedAddress(n, "envelope_from");
        if (!a.name().isEmpty()) throw new BadRequest("envelope_from", "an address alone, without a name");
        return a.address();
    }

    private Template template(JsonNode root, String field) throws BadRequest {
        if (!root.has(field)) return null;
        return template(text(root.get(field), field), field);
    }

    private static Template template(String source, String field) throws BadRequest {
        try {
            return Template.parse(source);
        } catch (Template.Invalid e) {
            throw new BadRequest(field, e.getMessage());
        }
    }

    private List<Header> headers(JsonNode n) throws BadRequest {
        if (n == null) return List.of();
        if (!n.isObject()) throw new BadRequest("headers", "an object of fields, {\"Reply-To\": \"...\"}");
        if (n.size() > limits.maxHeaders()) throw new BadRequest("headers", n.size() + " fields: at most " + limits.maxHeaders());
        List<Header> out = new ArrayList<>();
        Map<String, String> seen = new HashMap<>();
        for (var e : n.properties()) {
            String name = e.getKey(), field = "headers." + name;
            if (!Composer.isFieldName(name) || name.length() > 76)
                throw new BadRequest(field, "not a field name (RFC 5322 §3.6.8: printable ASCII but the colon, here at most 76 characters)");
            String lower = name.toLowerCase(Locale.ROOT);
            if (RESERVED_HEADERS.contains(lower)) throw new BadRequest(field, reservedBecause(lower));
            String before = seen.putIfAbsent(lower, name);
            if (before != null) throw new BadRequest(field, "given twice (as " + before + ")");
            out.add(new Header(name, template(text(e.getValue(), field), field)));
        }
        return out;
    }

    private static String reservedBecause(String lower) {
        return switch (lower) {
            case "from" -> "give the sender in from";
            case "subject" -> "give it in subject";
            case "bcc" -> "put blind copies in to (and the visible recipients in headers.To)";
            case "received", "return-path" -> "servers write this field";
            default -> "written by Facteur";
        };
    }

    private Map<String, String> variables(JsonNode n, String field) throws BadRequest {
        if (n == null) return Map.of();
        if (!n.isObject()) throw new BadRequest(field, "an object of names and values, {\"name\": \"Bob\"}");
        if (n.size() > limits.maxVariables()) throw new BadRequest(field, n.size() + " variables: at most " + limits.maxVariables());
        Map<String, String> out = new LinkedHashMap<>();
        for (var e : n.properties()) {
            String name = e.getKey(), f = field + "." + name;
            if (!Template.isName(name)) throw new BadRequest(f, "not a variable name (a letter or _, then letters, digits, _ . -; at most 64)");
            if (name.equals(RECIPIENT_VARIABLE)) throw new BadRequest(f, "recipient is the recipient's address, always");
            JsonNode v = e.getValue();
            if (v.isString()) out.put(name, text(v, f));
            else if (v.isNumber() || v.isBoolean()) out.put(name, v.asString());
            else throw new BadRequest(f, "a string, number or boolean");
        }
        return out;
    }

    /** A JSON string, refused when it is something else or holds half a surrogate pair (no UTF-8 for it). */
    static String text(JsonNode n, String field) throws BadRequest {
        if (n == null || !n.isString()) throw new BadRequest(field, "a string");
        String s = n.stringValue();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) i++;
            else if (Character.isSurrogate(c)) throw new BadRequest(field, "not Unicode text: a lone surrogate at character " + (i + 1));
        }
        return s;
    }

    private static byte[] base64(JsonNode n) throws BadRequest {
        String s = text(n, "raw_base64").replaceAll("[ \t\r\n]", "");
        try {
            return Base64.getDecoder().decode(s);
        } catch (IllegalArgumentException e) {
            throw new BadRequest("raw_base64", "not base64: " + e.getMessage());
        }
    }
}
