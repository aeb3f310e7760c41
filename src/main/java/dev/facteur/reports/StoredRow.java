package dev.facteur.reports;

import dev.facteur.auth.dmarc.AuthResults.SpfScope;
import dev.facteur.auth.dmarc.Policy;
import dev.facteur.auth.dmarc.ReportRecord;
import dev.facteur.auth.dmarc.ReportRecord.DkimResult;
import dev.facteur.auth.dmarc.ReportRecord.Identifiers;
import dev.facteur.auth.dmarc.ReportRecord.OverrideReason;
import dev.facteur.auth.dmarc.ReportRecord.PolicyEvaluated;
import dev.facteur.auth.dmarc.ReportRecord.SpfResult;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A {@link ReportRecord} as the store keeps it: one line of JSON with named fields, in a fixed
 * order, so that identical records are identical text and count as one row. Fields take the
 * names of RFC 7489 Appendix C; an absent optional value is an absent field, so an empty
 * {@code envelope_from} (a null reverse-path) stays apart from none. {@code "v":1} is the format's
 * version: a record of another version, or one that does not read back, is refused
 * ({@link IllegalArgumentException}) and its row left out of the report.
 */
final class StoredRow {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final int VERSION = 1;

    private StoredRow() {}

    static String write(ReportRecord r) {
        ObjectNode o = JSON.createObjectNode();
        o.put("v", VERSION);
        o.put("source_ip", r.sourceIp().getHostAddress());
        o.put("disposition", r.policyEvaluated().disposition().token());
        o.put("dkim", r.policyEvaluated().dkimAligned() ? "pass" : "fail");
        o.put("spf", r.policyEvaluated().spfAligned() ? "pass" : "fail");
        ArrayNode reasons = o.putArray("reason");
        for (OverrideReason reason : r.policyEvaluated().reasons()) {
            ObjectNode n = reasons.addObject().put("type", reason.type());
            reason.comment().ifPresent(c -> n.put("comment", c));
        }
        o.put("header_from", r.identifiers().headerFrom());
        r.identifiers().envelopeFrom().ifPresent(v -> o.put("envelope_from", v));
        r.identifiers().envelopeTo().ifPresent(v -> o.put("envelope_to", v));
        ArrayNode dkim = o.putArray("auth_dkim");
        for (DkimResult d : r.dkim()) {
            ObjectNode n = dkim.addObject().put("domain", d.domain());
            d.selector().ifPresent(v -> n.put("selector", v));
            n.put("result", d.result());
            d.humanResult().ifPresent(v -> n.put("human_result", v));
        }
        ArrayNode spf = o.putArray("auth_spf");
        for (SpfResult s : r.spf()) {
            ObjectNode n = spf.addObject().put("domain", s.domain());
            s.scope().ifPresent(v -> n.put("scope", v.token()));
            n.put("result", s.result());
            s.humanResult().ifPresent(v -> n.put("human_result", v));
        }
        return JSON.writeValueAsString(o);
    }

    static ReportRecord read(String text) {
        try {
            JsonNode o = JSON.readTree(text);
            if (o.path("v").asInt(-1) != VERSION) throw new IllegalArgumentException("not a version " + VERSION + " report row: " + text);
            List<OverrideReason> reasons = new ArrayList<>();
            for (JsonNode n : array(o, "reason")) reasons.add(new OverrideReason(required(n, "type"), optional(n, "comment")));
            List<DkimResult> dkim = new ArrayList<>();
            for (JsonNode n : array(o, "auth_dkim"))
                dkim.add(new DkimResult(required(n, "domain"), optional(n, "selector"), required(n, "result"), optional(n, "human_result")));
            List<SpfResult> spf = new ArrayList<>();
            for (JsonNode n : array(o, "auth_spf"))
                spf.add(new SpfResult(required(n, "domain"), optional(n, "scope").map(s -> SpfScope.valueOf(s.toUpperCase(Locale.ROOT))),
                        required(n, "result"), optional(n, "human_result")));
            return new ReportRecord(InetAddress.ofLiteral(required(o, "source_ip")),
                    new PolicyEvaluated(Policy.valueOf(required(o, "disposition").toUpperCase(Locale.ROOT)), passed(o, "dkim"),
                            passed(o, "spf"), reasons),
                    new Identifiers(required(o, "header_from"), optional(o, "envelope_from"), optional(o, "envelope_to")), dkim, spf);
        } catch (JacksonException e) {
            throw new IllegalArgumentException("a report row that is not JSON: " + e.getOriginalMessage(), e);
        }
    }

    private static String required(JsonNode o, String field) {
        JsonNode n = o.get(field);
        if (n == null || !n.isString()) throw new IllegalArgumentException("a report row without " + field);
        return n.asString();
    }

    private static Optional<String> optional(JsonNode o, String field) {
        JsonNode n = o.get(field);
        return n == null || !n.isString() ? Optional.empty() : Optional.of(n.asString());
    }

    private static boolean passed(JsonNode o, String field) {
        return required(o, field).equals("pass");
    }

    private static Iterable<JsonNode> array(JsonNode o, String field) {
        JsonNode n = o.get(field);
        if (n == null || !n.isArray()) throw new IllegalArgumentException("a report row without " + field);
        return n;
    }
}
