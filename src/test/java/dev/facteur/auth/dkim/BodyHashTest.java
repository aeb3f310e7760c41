package dev.facteur.auth.dkim;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The streamed body hash against a slow reference that canonicalizes the whole body at once, as
 * RFC 6376 §3.4.3 and §3.4.4 read, over thousands of random bodies cut into random chunks.
 */
class BodyHashTest {

    /** The whole body, canonicalized the way the RFC says it, line by line. */
    static byte[] reference(Canonicalization c, byte[] body) {
        String text = new String(body, StandardCharsets.ISO_8859_1);
        String[] lines = text.split("\r\n", -1);
        StringBuilder out = new StringBuilder();
        int last = lines.length - 1; // after the final CRLF, or a last line without one
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            if (i == last && line.isEmpty()) break;
            if (c == Canonicalization.RELAXED) line = line.replaceAll("[ \t]+", " ").replaceAll(" \\z", ""); // \z: "$" would also match before a last bare CR
            out.append(line).append("\r\n"); // a last line without CRLF gets one
        }
        String canonical = out.toString();
        while (canonical.endsWith("\r\n\r\n")) canonical = canonical.substring(0, canonical.length() - 2);
        if (canonical.equals("\r\n")) canonical = "";
        if (canonical.isEmpty() && c == Canonicalization.SIMPLE) canonical = "\r\n";
        return canonical.getBytes(StandardCharsets.ISO_8859_1);
    }

    @Test
    void streamedInAnyChunksItHashesWhatTheReferenceCanonicalizes() throws Exception {
        Random random = new Random(6376);
        byte[] alphabet = {'a', 'b', ' ', '\t', '\r', '\n', '\r', '\n', (byte) 0xE9};
        for (int round = 0; round < 5000; round++) {
            byte[] body = new byte[random.nextInt(60)];
            for (int i = 0; i < body.length; i++) body[i] = alphabet[random.nextInt(alphabet.length)];
            for (Canonicalization c : Canonicalization.values()) {
                byte[] expected = reference(c, body);
                long l = random.nextBoolean() ? Long.MAX_VALUE : random.nextInt(expected.length + 1);
                BodyHash hash = new BodyHash(c, "SHA-256", l);
                for (int at = 0; at < body.length; ) {
                    int n = Math.min(body.length - at, 1 + random.nextInt(7));
                    if (n == 1) hash.write(body[at]);
                    else hash.write(body, at, n);
                    at += n;
                }
                byte[] signed = Arrays.copyOf(expected, (int) Math.min(expected.length, l));
                String what = c + " " + Arrays.toString(body) + " l=" + l;
                assertThat(hash.digest()).as(what).isEqualTo(MessageDigest.getInstance("SHA-256").digest(signed));
                assertThat(hash.canonicalLength()).as(what).isEqualTo(expected.length);
            }
        }
    }

    @Test
    void aLongBodyIsNeverHeld() throws Exception { // one line of 20 MB: nothing grows with it
        BodyHash hash = new BodyHash(Canonicalization.RELAXED, "SHA-256");
        byte[] chunk = "x \t".repeat(1000).getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < 7000; i++) hash.write(chunk, 0, chunk.length);
        hash.write("\r\n".getBytes(StandardCharsets.US_ASCII));
        assertThat(hash.digest()).hasSize(32);
        assertThat(hash.canonicalLength()).isEqualTo(7000L * 2000 - 1 + 2);
    }

    @Test
    void theBodyLengthCountsCanonicalizedOctets() { // RFC 6376 §3.5 l=
        BodyHash whole = new BodyHash(Canonicalization.RELAXED, "SHA-256");
        BodyHash part = new BodyHash(Canonicalization.RELAXED, "SHA-256", 5);
        byte[] body = "a  b\r\nmore added\r\n".getBytes(StandardCharsets.US_ASCII);
        whole.write(body, 0, 6);
        part.write(body, 0, body.length);
        assertThat(part.digest()).isEqualTo(whole.digest()); // "a b\r\n" is 5 octets
        assertThat(part.canonicalLength()).isEqualTo(5 + "more added\r\n".length());
    }
}
