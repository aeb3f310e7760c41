package dev.facteur.it.delivery;

import dev.facteur.testing.ExternalProcess;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * A DSN as received by a peer (an smtp-sink dump), read by Python's email package through
 * {@code it/delivery/dsn_report.py}: the RFC 6522 envelope of the report and the RFC 3464 fields.
 *
 * @param mailArgs        the MAIL FROM arguments the peer saw, e.g. {@code <>}
 * @param parts           the content type of each top-level part, in order
 * @param returnedHeaders the header fields of the returned message (either kind of third part)
 * @param returnedBody    the returned body when the whole message came back, else null
 */
record ParsedDsn(
        String mailArgs,
        List<String> rcptArgs,
        String subject,
        String autoSubmitted,
        String contentType,
        String reportType,
        List<String> defects,
        List<String> parts,
        String reportingMta,
        String arrivalDate,
        String originalEnvelopeId,
        List<Rcpt> recipients,
        Map<String, String> returnedHeaders,
        String returnedBody) {

    /** One per-recipient block of the message/delivery-status part (RFC 3464 §2.3). */
    record Rcpt(String originalRecipient, String finalRecipient, String action, String status, String remoteMta,
            String diagnosticCode, String willRetryUntil) {}

    /** The single recipient block; fails unless there is exactly one. */
    Rcpt only() {
        if (recipients.size() != 1) throw new AssertionError("expected one recipient block, got " + recipients);
        return recipients.getFirst();
    }

    static ParsedDsn parse(String dump) throws IOException, InterruptedException {
        Path file = Files.createTempFile("facteur-dsn", ".eml");
        try {
            Files.writeString(file, dump, StandardCharsets.ISO_8859_1);
            return fromJson(ExternalProcess.python("/it/delivery/dsn_report.py", file.toString()));
        } finally {
            Files.deleteIfExists(file);
        }
    }

    static List<ParsedDsn> parseAll(List<String> dumps) throws IOException, InterruptedException {
        List<ParsedDsn> out = new ArrayList<>();
        for (String d : dumps) out.add(parse(d));
        return out;
    }

    private static ParsedDsn fromJson(JsonNode n) {
        List<Rcpt> rcpts = new ArrayList<>();
        for (JsonNode r : n.get("recipients"))
            rcpts.add(new Rcpt(text(r, "original_recipient"), text(r, "final_recipient"), text(r, "action"), text(r, "status"),
                    text(r, "remote_mta"), text(r, "diagnostic_code"), text(r, "will_retry_until")));
        Map<String, String> headers = null;
        if (!n.get("returned_headers").isNull()) {
            headers = new LinkedHashMap<>();
            for (var e : n.get("returned_headers").properties()) headers.put(e.getKey(), e.getValue().asString());
        }
        return new ParsedDsn(text(n, "mail_args"), strings(n.get("rcpt_args")), text(n, "subject"), text(n, "auto_submitted"),
                text(n, "content_type"), text(n, "report_type"), strings(n.get("defects")), strings(n.get("parts")),
                text(n, "reporting_mta"), text(n, "arrival_date"), text(n, "original_envelope_id"), rcpts, headers,
                text(n, "returned_body"));
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? null : v.asString();
    }

    private static List<String> strings(JsonNode arr) {
        List<String> out = new ArrayList<>();
        for (JsonNode s : arr) out.add(s.asString());
        return out;
    }
}
