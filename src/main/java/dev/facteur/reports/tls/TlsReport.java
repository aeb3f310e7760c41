package dev.facteur.reports.tls;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Optional;
import java.util.zip.GZIPOutputStream;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * One Policy Domain's report of one UTC day (RFC 8460 §4): who we are, the day, and per policy
 * that applied the sessions that succeeded and failed, with the failures by kind. Written as the
 * JSON of §4.4, its field names exactly as there, and gzipped (§5.2).
 *
 * @param organizationName {@code organization-name}: who sends the report
 * @param contactInfo      {@code contact-info}: an address to write to about it
 * @param reportId         {@code report-id}: unique per domain and day, and a msg-id's
 *                         {@code id-left@id-right}, since the Subject carries it as one (§5.3)
 * @param policyDomain     the domain reported on: every policy's {@code policy-domain}
 * @param date             the UTC day covered
 * @param policies         what each policy saw
 */
public record TlsReport(String organizationName, String contactInfo, String reportId, String policyDomain, LocalDate date,
        List<PolicyResult> policies) {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    public TlsReport {
        policies = List.copyOf(policies);
        int at = reportId.indexOf('@');
        if (at <= 0 || at == reportId.length() - 1 || reportId.indexOf('@', at + 1) >= 0
                || reportId.chars().anyMatch(c -> c <= ' ' || c >= 0x7f || c == '<' || c == '>'))
            throw new IllegalArgumentException("a report-id must read as a msg-id, id-left@id-right: " + reportId);
    }

    /**
     * One policy's sessions.
     *
     * @param successes {@code total-successful-session-count}
     * @param failures  {@code failure-details}, whose sessions add up to {@code total-failure-session-count}
     */
    public record PolicyResult(PolicyRef policy, long successes, List<FailureDetail> failures) {
        public PolicyResult {
            failures = List.copyOf(failures);
        }

        /** {@code total-failure-session-count}. */
        public long failedSessions() {
            return failures.stream().mapToLong(FailureDetail::sessions).sum();
        }
    }

    /**
     * One kind of failure ({@code failure-details}); what is not known is left out of the JSON.
     *
     * @param sessions   {@code failed-session-count}
     * @param reasonCode {@code failure-reason-code}: the last reason seen for this kind
     */
    public record FailureDetail(FailureType type, Optional<String> sendingIp, Optional<String> receivingMx,
            Optional<String> receivingIp, long sessions, Optional<String> reasonCode) {}

    /** A report-id unique per domain and day, and the same if the report is built again: {@code DATE.DOMAIN@SUBMITTER}. */
    public static String reportId(LocalDate date, String policyDomain, String submitter) {
        return date + "." + policyDomain + "@" + submitter;
    }

    /** {@code start-datetime}: the day's midnight. */
    public Instant start() {
        return date.atStartOfDay(ZoneOffset.UTC).toInstant();
    }

    /** {@code end-datetime}: the day's last second, as RFC 8460's example writes it (23:59:59Z). */
    public Instant end() {
        return date.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant().minusSeconds(1);
    }

    /** Every session the report counts. */
    public long sessions() {
        return policies.stream().mapToLong(p -> p.successes() + p.failedSessions()).sum();
    }

    /**
     * RFC 8460 §5.1: {@code submitter!policy-domain!begin-timestamp!end-timestamp.json.gz}, the
     * timestamps in seconds since the epoch, as {@code start-datetime} and {@code end-datetime}.
     */
    public String fileName(String submitter) {
        return submitter + "!" + policyDomain + "!" + start().getEpochSecond() + "!" + end().getEpochSecond() + ".json.gz";
    }

    /** The JSON of RFC 8460 §4.4, in UTF-8. */
    public byte[] toJson() {
        ObjectNode o = JSON.createObjectNode();
        o.put("organization-name", organizationName);
        ObjectNode range = o.putObject("date-range");
        range.put("start-datetime", DateTimeFormatter.ISO_INSTANT.format(start()));
        range.put("end-datetime", DateTimeFormatter.ISO_INSTANT.format(end()));
        o.put("contact-info", contactInfo);
        o.put("report-id", reportId);
        ArrayNode policies = o.putArray("policies");
        for (PolicyResult p : this.policies) {
            ObjectNode entry = policies.addObject();
            ObjectNode policy = entry.putObject("policy");
            policy.put("policy-type", p.policy().type().token());
            if (!p.policy().strings().isEmpty()) p.policy().strings().forEach(policy.putArray("policy-string")::add);
            policy.put("policy-domain", policyDomain);
            if (!p.policy().mxHosts().isEmpty()) p.policy().mxHosts().forEach(policy.putArray("mx-host")::add);
            ObjectNode summary = entry.putObject("summary");
            summary.put("total-successful-session-count", p.successes());
            summary.put("total-failure-session-count", p.failedSessions());
            ArrayNode details = entry.putArray("failure-details");
            for (FailureDetail f : p.failures()) {
                ObjectNode d = details.addObject();
                d.put("result-type", f.type().token());
                f.sendingIp().ifPresent(v -> d.put("sending-mta-ip", v));
                f.receivingMx().ifPresent(v -> d.put("receiving-mx-hostname", v));
                f.receivingIp().ifPresent(v -> d.put("receiving-ip", v));
                d.put("failed-session-count", f.sessions());
                f.reasonCode().ifPresent(v -> d.put("failure-reason-code", v));
            }
        }
        return JSON.writeValueAsBytes(o);
    }

    /** RFC 8460 §5.2: the JSON gzipped, {@code application/tlsrpt+gzip}. */
    public byte[] toGzip() {
        var out = new ByteArrayOutputStream();
        try (var gz = new GZIPOutputStream(out)) {
            gz.write(toJson());
        } catch (IOException e) {
            throw new UncheckedIOException(e); // in memory: does not happen
        }
        return out.toByteArray();
    }
}
