package dev.facteur.doctor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** How a report reads: a checklist for people, one JSON document for monitoring, and an exit status for scripts. */
class ChecklistTest {

    private static final Report REPORT = new Report(List.of(
            new Subject(Subject.SERVER, "mx.example.org", List.of(
                    Check.pass("192.0.2.10 has reverse DNS: mx.example.org", ""),
                    Check.fail("192.0.2.10 is listed on bl.example (127.0.0.2)", "receivers refuse mail from it",
                            "request delisting of 192.0.2.10 at bl.example"))),
            new Subject(Subject.DOMAIN, "example.org", List.of(
                    Check.warn("The DMARC policy of example.org is p=none", "receivers do nothing", "_dmarc.example.org. TXT \"v=DMARC1; p=quarantine\""),
                    Check.skipped("No MTA-STS record for example.org", "optional")))));

    private static String print(Report report, boolean colour, boolean unicode) {
        var out = new StringWriter();
        new Checklist(colour, unicode).print(report, new PrintWriter(out));
        return out.toString();
    }

    @Test
    void aChecklistGroupedBySubjectEachProblemFollowedByItsFix() {
        assertThat(print(REPORT, false, true)).isEqualTo("""
                Server mx.example.org
                  ✓ 192.0.2.10 has reverse DNS: mx.example.org
                  ✗ 192.0.2.10 is listed on bl.example (127.0.0.2)
                      receivers refuse mail from it
                      fix: request delisting of 192.0.2.10 at bl.example

                Domain example.org
                  ! The DMARC policy of example.org is p=none
                      receivers do nothing
                      fix: _dmarc.example.org. TXT "v=DMARC1; p=quarantine"
                  - No MTA-STS record for example.org
                      optional

                1 passed, 1 warning, 1 failed, 1 skipped
                """);
    }

    @Test
    void coloursOnlyWhenAskedAndPlainMarksWhereUnicodeIsMissing() {
        assertThat(print(REPORT, false, true)).doesNotContain("\033[");
        assertThat(print(REPORT, true, true)).contains("\033[32m✓\033[0m", "\033[31m✗\033[0m", "\033[31m1 passed, 1 warning, 1 failed, 1 skipped\033[0m");
        assertThat(print(REPORT, false, false)).contains("  ok 192.0.2.10 has reverse DNS", "  X 192.0.2.10 is listed");
    }

    @Test
    void aFailureMakesTheExitStatusOneAndAWarningAloneDoesNot() {
        assertThat(REPORT.exitCode()).isEqualTo(1);
        var warningsOnly = new Report(List.of(REPORT.subjects().getLast()));
        assertThat(warningsOnly.exitCode()).isZero();
        assertThat(warningsOnly.summary()).isEqualTo("0 passed, 1 warning, 0 failed, 1 skipped");
    }

    @Test
    void theJsonDocumentHasEveryCheckWithItsStatusAndFix() {
        JsonNode json = new JsonMapper().readTree(JsonReport.of(REPORT));
        assertThat(json.path("ok").asBoolean()).isFalse();
        assertThat(json.path("summary").toString()).isEqualTo("{\"pass\":1,\"warn\":1,\"fail\":1,\"skipped\":1}");
        JsonNode server = json.path("subjects").get(0);
        assertThat(server.path("kind").asString() + " " + server.path("name").asString()).isEqualTo("server mx.example.org");
        JsonNode fail = server.path("checks").get(1);
        assertThat(fail.path("status").asString()).isEqualTo("fail");
        assertThat(fail.path("title").asString()).isEqualTo("192.0.2.10 is listed on bl.example (127.0.0.2)");
        assertThat(fail.path("details").asString()).isEqualTo("receivers refuse mail from it");
        assertThat(fail.path("fix").get(0).asString()).isEqualTo("request delisting of 192.0.2.10 at bl.example");
        assertThat(json.path("subjects").get(1).path("checks").get(1).path("status").asString()).isEqualTo("skipped");
    }

    @Test
    void aTitleIsOneLine() {
        assertThatThrownBy(() -> Check.pass("two\nlines", "")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Check.fail(" ", "")).isInstanceOf(IllegalArgumentException.class);
    }
}
