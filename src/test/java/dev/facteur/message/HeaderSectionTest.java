package dev.facteur.message;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** A header section's fields: continuation lines belong to the field before, the ending empty line to none. */
class HeaderSectionTest {

    @Test
    void fieldsKeepTheirFoldingAndCrlf() {
        assertThat(HeaderSection.fields("From: a@x.test\r\nTo: b@x.test,\r\n\tc@x.test\r\nSubject : hi\r\n\r\n"))
                .containsExactly("From: a@x.test\r\n", "To: b@x.test,\r\n\tc@x.test\r\n", "Subject : hi\r\n");
        assertThat(HeaderSection.fields("")).isEmpty();
    }

    @Test
    void namesAreLowerCaseWithoutTheSpaceBeforeTheColon() {
        assertThat(HeaderSection.name("Subject : hi\r\n")).isEqualTo("subject");
        assertThat(HeaderSection.name("no field here\r\n")).isEmpty();
        assertThat(HeaderSection.value("To: b@x.test\r\n")).isEqualTo(" b@x.test\r\n");
    }

    /** The three kinds of stream a reader may get: buffered (read in blocks), plain bytes, and one without mark (byte by byte). */
    private static final List<Function<byte[], InputStream>> STREAMS = List.of(
            b -> new BufferedInputStream(new ByteArrayInputStream(b), 16),
            ByteArrayInputStream::new,
            b -> new FilterInputStream(new ByteArrayInputStream(b)) {
                @Override
                public boolean markSupported() {
                    return false;
                }
            });

    /** The section read, then what the stream still holds. */
    private static List<String> readEachWay(String message, int max) throws IOException {
        List<String> results = new java.util.ArrayList<>();
        for (var stream : STREAMS) {
            InputStream in = stream.apply(message.getBytes(StandardCharsets.ISO_8859_1));
            String section = HeaderSection.read(in, max);
            results.add(section + "|" + new String(in.readAllBytes(), StandardCharsets.ISO_8859_1));
        }
        return results;
    }

    @Test
    void readingASectionTakesItsEmptyLineAndLeavesTheBodyWhateverTheStream() throws IOException {
        assertThat(readEachWay("From: a\r\nTo: b\r\n\r\nbody\r\n\r\nmore\r\n", 1 << 20))
                .containsOnly("From: a\r\nTo: b\r\n\r\n|body\r\n\r\nmore\r\n");
        assertThat(readEachWay("\r\nbody only\r\n", 1 << 20)).containsOnly("\r\n|body only\r\n");
        assertThat(readEachWay("From: a\r\nno empty line", 1 << 20)).containsOnly("From: a\r\nno empty line|");
        assertThat(readEachWay("From: a\r\nX: \r\r\n\nstill header\r\n\r\nbody", 1 << 20))
                .as("only CRLF CRLF ends it").containsOnly("From: a\r\nX: \r\r\n\nstill header\r\n\r\n|body");
    }

    @Test
    void aSectionLongerThanTheLimitIsCutThereAndTheRestStaysInTheStream() throws IOException {
        assertThat(readEachWay("Subject: 0123456789\r\n\r\nbody", 10)).containsOnly("Subject: 0|123456789\r\n\r\nbody");
    }

    @Test
    void anEmptyLineAcrossTheBlocksOfTheReadIsFound() throws IOException {
        String header = "X: " + "a".repeat(8189 - 3 - 2) + "\r\n"; // its CRLF ends at 8189: the empty line straddles 8192
        for (int pad = 0; pad < 6; pad++) {
            String h = "Y" + "z".repeat(pad) + ": 1\r\n" + header;
            assertThat(readEachWay(h + "\r\nbody", 1 << 20)).containsOnly(h + "\r\n|body");
        }
    }
}
