package dev.facteur.auth.dmarc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.auth.dmarc.ReportRecord.DkimResult;
import dev.facteur.auth.dmarc.ReportRecord.Identifiers;
import dev.facteur.auth.dmarc.ReportRecord.PolicyEvaluated;
import java.net.InetAddress;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;

/**
 * What DNS and the wire may hand us, at random (seeded, so a failure repeats): records are read
 * without exceptions, and whatever the report carries, the JDK's parser reads the document and
 * gets each value back, with only the characters XML cannot hold replaced.
 */
class RandomInputTest {

    private static final String RECORD_ALPHABET = "v=DMARC1;p=none quarantine reject sp np t y n psd u rua ruf mailto:@.!,%20kmgt0123456789 \t;=:\"\u00e9\u0000";

    private static String randomFrom(Random random, String alphabet, int maxLength) {
        var b = new StringBuilder();
        int n = random.nextInt(maxLength);
        for (int i = 0; i < n; i++) b.append(alphabet.charAt(random.nextInt(alphabet.length())));
        return b.toString();
    }

    @Test void recordsNeverThrow() {
        var random = new Random(7489);
        for (int i = 0; i < 20_000; i++) {
            String text = (random.nextBoolean() ? "v=DMARC1;" : "") + randomFrom(random, RECORD_ALPHABET, 80);
            DmarcRecord.Parse parse = DmarcRecord.parse(text);
            if (parse instanceof DmarcRecord.Parse.Valid(DmarcRecord r)) {
                assertThat(r.rua()).as(text).allMatch(u -> !u.isMailto() || u.mailbox().orElseThrow().contains("@"));
            }
        }
    }

    private static String randomText(Random random) {
        var b = new StringBuilder();
        int n = random.nextInt(40);
        for (int i = 0; i < n; i++) {
            int kind = random.nextInt(4);
            int c = switch (kind) {
                case 0 -> random.nextInt(0x80);            // ASCII, controls included
                case 1 -> "<>&\"']]\r\n".charAt(random.nextInt(9));
                case 2 -> random.nextInt(0x10000);         // any UTF-16 unit, lone surrogates included
                default -> 0x10000 + random.nextInt(0x100000);
            };
            b.appendCodePoint(c);
        }
        return b.toString();
    }

    private static String legalOnly(String s) {
        var b = new StringBuilder();
        s.codePoints().forEach(c -> b.appendCodePoint(FeedbackWriter.legal(c) ? c : 0xFFFD));
        return b.toString();
    }

    @Test void reportsAreAlwaysWellFormed() throws Exception {
        var random = new Random(9990);
        for (int i = 0; i < 500; i++) {
            String from = randomText(random), selector = randomText(random);
            var record = new ReportRecord(InetAddress.ofLiteral("192.0.2.1"), new PolicyEvaluated(Policy.NONE, true, true, List.of()),
                    new Identifiers(from, Optional.empty(), Optional.empty()),
                    List.of(new DkimResult("example.com", Optional.of(selector), "pass", Optional.empty())), List.of());
            var report = new AggregateReport(AggregateReportTest.metadata(), AggregateReportTest.fullReport().policy(),
                    List.of(new ReportRow(record, 1)));
            Element feedback = FeedbackReader.parse(report.toXml()).getDocumentElement();
            assertThat(feedback.getElementsByTagName("header_from").item(0).getTextContent()).isEqualTo(legalOnly(from));
            assertThat(feedback.getElementsByTagName("selector").item(0).getTextContent()).isEqualTo(legalOnly(selector));
        }
    }
}
