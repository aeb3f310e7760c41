package dev.facteur.mime;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** RFC 6152 §3: an 8-bit message made 7-bit for a server without 8BITMIME ({@link SevenBitDowngradeIT}: as a MIME reader sees it). */
class SevenBitDowngradeTest {

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] converted(String message) {
        var r = SevenBitDowngrade.convert(utf8(message));
        assertThat(r).isInstanceOf(SevenBitDowngrade.Result.Converted.class);
        return ((SevenBitDowngrade.Result.Converted) r).content();
    }

    @Test
    void aSevenBitMessageIsLeftByteForByte() {
        String m = "From: a@example.test\r\nSubject: plain\r\n\r\nNothing = special here.\r\n";
        assertThat(converted(m)).isEqualTo(utf8(m));
    }

    @Test
    void aMessageWithoutMimeHeadersGetsThemAndKeepsItsText() throws Exception {
        byte[] out = converted("From: a@example.test\r\nSubject: old style\r\n\r\nJoyeux Noël\r\n");
        String text = new String(out, StandardCharsets.US_ASCII);
        assertThat(text).contains("MIME-Version: 1.0\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nJoyeux No=C3=ABl\r\n");
    }

    @Test
    void rawUtf8InAHeaderCannotBeMadeSevenBit() { // RFC 6532 headers have no charset label to encode them with
        var r = SevenBitDowngrade.convert(utf8("From: a@example.test\r\nSubject: café\r\n\r\nbody é\r\n"));
        assertThat(r).isInstanceOf(SevenBitDowngrade.Result.Impossible.class);
        assertThat(((SevenBitDowngrade.Result.Impossible) r).reason()).contains("header");
    }
}
