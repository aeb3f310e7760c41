package dev.facteur.bounce;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * RFC 2045 §6.7 quoted-printable and §6.8 base64, decoded leniently, checked against reference
 * encoders over thousands of random inputs (seeded, so a failure repeats), and charsets.
 */
class TransferDecodingTest {

    @Test
    void base64DecodesWhatAnyEncoderWrote() {
        var random = new Random(2045);
        for (int i = 0; i < 3000; i++) {
            byte[] data = new byte[random.nextInt(300)];
            random.nextBytes(data);
            String encoded = Base64.getEncoder().encodeToString(data);
            var wrapped = new StringBuilder(); // lines of any length, CRLF or LF, stray white space: §6.8 says to ignore them
            for (int at = 0; at < encoded.length(); ) {
                int n = 1 + random.nextInt(80);
                wrapped.append(encoded, at, Math.min(encoded.length(), at + n)).append(random.nextBoolean() ? "\r\n" : "\n");
                if (random.nextInt(10) == 0) wrapped.append(' ');
                at += n;
            }
            byte[] b = wrapped.toString().getBytes(StandardCharsets.US_ASCII);
            assertThat(TransferDecoding.base64(b, 0, b.length)).isEqualTo(data);
        }
    }

    @Test
    void base64WithoutPaddingOrWithGarbageIsReadAsFarAsItGoes() {
        byte[] unpadded = "aGVsbG8".getBytes(StandardCharsets.US_ASCII);
        assertThat(TransferDecoding.base64(unpadded, 0, unpadded.length)).isEqualTo("hello".getBytes(StandardCharsets.US_ASCII));
        byte[] garbage = "aGV!!sb*G8=trailing".getBytes(StandardCharsets.US_ASCII);
        assertThat(TransferDecoding.base64(garbage, 0, garbage.length)).isEqualTo("hello".getBytes(StandardCharsets.US_ASCII));
    }

    /** A reference encoder: every byte but printable ASCII as =XX, soft line breaks at random places. */
    private static byte[] quotedPrintable(byte[] data, Random random) {
        var out = new ByteArrayOutputStream();
        int column = 0;
        for (byte value : data) {
            int c = value & 0xFF;
            String piece = c >= 33 && c <= 126 && c != '=' ? String.valueOf((char) c) : String.format("=%02X", c);
            if (column + piece.length() > 70 || random.nextInt(20) == 0) {
                out.writeBytes((random.nextBoolean() ? "=\r\n" : "=  \n").getBytes(StandardCharsets.US_ASCII));
                column = 0;
            }
            out.writeBytes(piece.getBytes(StandardCharsets.US_ASCII));
            column += piece.length();
        }
        return out.toByteArray();
    }

    @Test
    void quotedPrintableDecodesWhatAnEncoderWrote() {
        var random = new Random(6522);
        for (int i = 0; i < 3000; i++) {
            byte[] data = new byte[random.nextInt(300)];
            random.nextBytes(data);
            byte[] encoded = quotedPrintable(data, random);
            assertThat(TransferDecoding.quotedPrintable(encoded, 0, encoded.length)).isEqualTo(data);
        }
    }

    @Test
    void quotedPrintableKeepsWhatItCannotDecode() { // RFC 2045 §6.7 note (2): a lone "=" is kept as written
        byte[] b = "a=ZZb=\r\nc=3d= ".getBytes(StandardCharsets.US_ASCII);
        assertThat(new String(TransferDecoding.quotedPrintable(b, 0, b.length), StandardCharsets.US_ASCII)).isEqualTo("a=ZZbc=");
        byte[] cut = "ab=4".getBytes(StandardCharsets.US_ASCII);
        assertThat(new String(TransferDecoding.quotedPrintable(cut, 0, cut.length), StandardCharsets.US_ASCII)).isEqualTo("ab=4");
    }

    @Test
    void textIsDecodedInItsCharsetOrByWhatTheBytesAre() {
        byte[] utf8 = "Zoë".getBytes(StandardCharsets.UTF_8);
        assertThat(TransferDecoding.text(utf8, null)).isEqualTo("Zoë");
        assertThat(TransferDecoding.text(utf8, "us-ascii")).isEqualTo("Zoë"); // labelled ASCII, written in UTF-8
        assertThat(TransferDecoding.text(utf8, "UFT-8")).isEqualTo("Zoë"); // a misspelt charset: the bytes decide
        byte[] latin1 = "Zoë".getBytes(StandardCharsets.ISO_8859_1);
        assertThat(TransferDecoding.text(latin1, null)).isEqualTo("Zoë");
        assertThat(TransferDecoding.text(latin1, "iso-8859-1")).isEqualTo("Zoë");
        byte[] jis = "メールボックスが一杯".getBytes(Charset.forName("ISO-2022-JP"));
        assertThat(TransferDecoding.text(jis, "iso-2022-jp")).isEqualTo("メールボックスが一杯");
    }
}
