package dev.facteur.doctor;

import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The report for monitoring: one JSON document.
 *
 * <pre>{@code
 * {"ok": false, "summary": {"pass": 12, "warn": 1, "fail": 2, "skipped": 3},
 *  "subjects": [{"kind": "server", "name": "mx.example.org",
 *                "checks": [{"status": "fail", "title": "...", "details": "...", "fix": ["..."]}]}]}
 * }</pre>
 */
public final class JsonReport {

    private JsonReport() {}

    public static String of(Report report) {
        JsonMapper mapper = new JsonMapper();
        ObjectNode root = mapper.createObjectNode();
        root.put("ok", report.exitCode() == 0);
        ObjectNode summary = root.putObject("summary");
        for (String status : new String[] {"pass", "warn", "fail", "skipped"}) summary.put(status, report.count(status));
        ArrayNode subjects = root.putArray("subjects");
        for (Subject s : report.subjects()) {
            ObjectNode subject = subjects.addObject();
            subject.put("kind", s.kind());
            subject.put("name", s.name());
            ArrayNode checks = subject.putArray("checks");
            for (Check c : s.checks()) {
                ObjectNode check = checks.addObject();
                check.put("status", c.status());
                check.put("title", c.title());
                check.put("details", c.details());
                ArrayNode fix = check.putArray("fix");
                c.fix().forEach(fix::add);
            }
        }
        return mapper.writerWithDefaultPrettyPrinter().writeValueAsString(root);
    }
}
