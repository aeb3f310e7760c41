package dev.facteur.bounce;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.facteur.bounce.Report.Bounce;
import dev.facteur.bounce.Report.Complaint;

/**
 * Any bytes, under any limits: the parser says what they are without throwing (it is called
 * without the safety net of {@link ReportParser#parse}), and what it returns is within the
 * limits and whole: no recipient without an address object, no list longer than allowed.
 */
class ReportParserFuzzTest {

    @FuzzTest(maxDuration = "10m")
    void anyBytesAreAReportWithinItsLimitsOrNone(FuzzedDataProvider data) {
        var limits = new ReportLimits(data.consumeInt(1, 1 << 16), data.consumeInt(1, 30), data.consumeInt(1, 6), data.consumeInt(1, 40),
                data.consumeInt(1, 8192));
        Report r = ReportParser.read(data.consumeRemainingAsBytes(), limits, 0);
        assertThat(r).isNotNull();
        switch (r) {
            case Bounce b -> {
                assertThat(b.recipients()).hasSizeLessThanOrEqualTo(limits.maxRecipients());
                for (BouncedRecipient rc : b.recipients()) {
                    assertThat(rc.address()).isNotNull();
                    assertThat(rc.diagnostic()).isNotNull();
                    assertThat(rc.bounceClass()).isNotNull();
                }
            }
            case Complaint c -> assertThat(c.feedback().feedbackType()).isNotNull();
            case Report.AutoReply a -> assertThat(a.evidence()).isNotEmpty();
            case Report.NotAReport n -> assertThat(n.reason()).isNotEmpty();
        }
    }
}
