package dev.facteur.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class HeaderSectionTest {

    private static final long FIFTY_MB = 50L << 20;
    private static final int READ_AHEAD = 8192; // one BufferedInputStream buffer past the last byte used

    private static InputStream stream(String s) {
        return new ByteArrayInputStream(s.getBytes(StandardCharsets.UTF_8));
    }

    /** {@code head}, then {@code count} bytes of 'x' and no line end, made as they are read. */
    private static InputStream endlessLine(String head, long count) {
        return new SequenceInputStream(stream(head), new InputStream() {
            long left = count;

            @Override
            public int read() {
                return left-- > 0 ? 'x' : -1;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (left <= 0) return -1;
                int n = (int) Math.min(len, left);
                Arrays.fill(b, off, off + n, (byte) 'x');
                left -= n;
                return n;
            }
        });
    }

    private static List<String> deliveredTo(InputStream in) {
        return assertTimeoutPreemptively(Duration.ofSeconds(10), () -> HeaderSection.values(in, "Delivered-To"));
    }

    @Test
    void fieldsAreFoundByNameInAnyCaseUnfoldedAndOnlyInTheHeaderSection() { // RFC 5322 §2.1, §2.2.3
        String message = "delivered-to: a@example.org\r\nSubject: hi\r\nDELIVERED-TO:\r\n b@example.org\r\n"
                + "\r\nDelivered-To: in-the-body@example.org\r\n";
        assertThat(deliveredTo(stream(message))).containsExactly("a@example.org", "b@example.org");
    }

    @Test
    void aHugeLineWithoutLineEndIsReadOnlyUpToTheLimit() {
        var in = new CountingInputStream(endlessLine("Subject: ", FIFTY_MB));

        assertThat(deliveredTo(in)).isEmpty();
        assertThat(in.bytesRead).isLessThanOrEqualTo(HeaderSection.MAX_BYTES + READ_AHEAD);
    }

    @Test
    void fieldsReadWholeBeforeTheLimitAreStillFound() {
        var in = endlessLine("Delivered-To: bob@example.net\r\nSubject: ", FIFTY_MB);
        assertThat(deliveredTo(in)).containsExactly("bob@example.net");
    }

    @Test
    void aFieldTheLimitCutsShortIsNotFound() {
        // Its end is unknown, so it may not be the address it starts with: a false loop would bounce the mail.
        var in = new CountingInputStream(endlessLine("Delivered-To: bob@example.net\r\n ", FIFTY_MB));

        assertThat(deliveredTo(in)).isEmpty();
        assertThat(in.bytesRead).isLessThanOrEqualTo(HeaderSection.MAX_BYTES + READ_AHEAD);
    }

    @Test
    void theLimitCountsBytesNotCharacters() { // RFC 6532: UTF-8 header fields
        String line = "X-Note: " + "é".repeat(100) + "\r\n"; // 210 bytes, 110 characters
        String filler = line.repeat(HeaderSection.MAX_BYTES / 210 + 1);
        assertThat(filler.length()).isLessThan(HeaderSection.MAX_BYTES);

        assertThat(deliveredTo(stream(filler + "Delivered-To: bob@example.net\r\n\r\nbody\r\n"))).isEmpty();
    }
}
