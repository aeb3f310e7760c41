package dev.facteur.reports.tls;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * One kind of session as the store keeps it: one line of JSON with named fields in a fixed order,
 * so that sessions alike are the same text and count as one row. A success is the policy and
 * {@code "result":"success"}; a failure adds what RFC 8460 §4.4 counts failures by: the result
 * type, our address, the MX host and its address. Fields take the report's names; an unknown
 * value is an absent field. {@code "v":1} is the format's version: a row of another version, or
 * one that does not read back, is refused ({@link IllegalArgumentException}) and left out.
 */
record SessionRow(PolicyRef policy, Optional<Failure> failure) {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final int VERSION = 1;
    private static final String SUCCESS = "success";

    /** What makes two failures of one policy the same row. */
    record Failure(FailureType type, Optional<String> sendingIp, Optional<String> receivingMx, Optional<String> receivingIp) {}

    String write() {
        ObjectNode o = JSON.createObjectNode();
        o.put("v", VERSION);
        o.put("policy-type", policy.type().token());
        policy.strings().forEach(o.putArray("policy-string")::add);
        policy.mxHosts().forEach(o.putArray("mx-host")::add);
        o.put("result", failure.map(f -> f.type().token()).orElse(SUCCESS));
        failure.ifPresent(f -> {
            f.sendingIp().ifPresent(v -> o.put("sending-mta-ip", v));
            f.receivingMx().ifPresent(v -> o.put("receiving-mx-hostname", v));
            f.receivingIp().ifPresent(v -> o.put("receiving-ip", v));
        });
        return JSON.writeValueAsString(o);
    }

    static SessionRow read(String text) {
        try {
            JsonNode o = JSON.readTree(text);
            if (o.path("v").asInt(-1) != VERSION) throw new IllegalArgumentException("not a version " + VERSION + " row: " + text);
            PolicyRef.Type type = PolicyRef.Type.of(required(o, "policy-type"))
                    .orElseThrow(() -> new IllegalArgumentException("an unknown policy-type: " + text));
            PolicyRef policy = new PolicyRef(type, strings(o, "policy-string"), strings(o, "mx-host"));
            String result = required(o, "result");
            if (result.equals(SUCCESS)) return new SessionRow(policy, Optional.empty());
            FailureType failure = FailureType.of(result).orElseThrow(() -> new IllegalArgumentException("an unknown result: " + text));
            return new SessionRow(policy, Optional.of(new Failure(failure, address(o, "sending-mta-ip"),
                    optional(o, "receiving-mx-hostname"), address(o, "receiving-ip"))));
        } catch (JacksonException e) {
            throw new IllegalArgumentException("a row that is not JSON: " + e.getOriginalMessage(), e);
        }
    }

    private static String required(JsonNode o, String field) {
        JsonNode n = o.get(field);
        if (n == null || !n.isString()) throw new IllegalArgumentException("a row without " + field);
        return n.asString();
    }

    private static Optional<String> optional(JsonNode o, String field) {
        JsonNode n = o.get(field);
        return n == null || !n.isString() ? Optional.empty() : Optional.of(n.asString());
    }

    private static Optional<String> address(JsonNode o, String field) {
        Optional<String> v = optional(o, field);
        v.ifPresent(InetAddress::ofLiteral); // throws IllegalArgumentException for what is no address
        return v;
    }

    private static List<String> strings(JsonNode o, String field) {
        JsonNode n = o.get(field);
        if (n == null) return List.of();
        if (!n.isArray()) throw new IllegalArgumentException("a row whose " + field + " is no list");
        List<String> out = new ArrayList<>();
        for (JsonNode s : n) {
            if (!s.isString()) throw new IllegalArgumentException("a row whose " + field + " holds no text");
            out.add(s.asString());
        }
        return out;
    }
}
