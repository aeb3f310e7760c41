package dev.facteur.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class HeaderRewriterTest {

    /** Upper-cases the value of Subject fields, leaves the others. */
    private static final AddressPolicy.HeaderRewrite SHOUT =
            (name, value) -> name.equalsIgnoreCase("subject") ? value.toUpperCase() : null;

    private static String through(String message, int piece) throws IOException {
        var out = new ByteArrayOutputStream();
        var r = new HeaderRewriter(out, SHOUT);
        byte[] b = message.getBytes(StandardCharsets.ISO_8859_1);
        for (int at = 0; at < b.length; at += piece) r.write(b, at, Math.min(piece, b.length - at));
        r.finish();
        return out.toString(StandardCharsets.ISO_8859_1);
    }

    @Test
    void onlyTheHeaderSectionIsRewrittenFoldedFieldsIncluded() throws IOException {
        String in = "From: a@b\r\nSubject: hello\r\n  world\r\nX: y\r\n\r\nSubject: body stays\r\n";
        for (int piece : new int[] {1, 3, 7, 1000}) {
            assertThat(through(in, piece)).as("pieces of %d", piece)
                    .isEqualTo("From: a@b\r\nSubject: HELLO\r\n  WORLD\r\nX: y\r\n\r\nSubject: body stays\r\n");
        }
    }

    @Test
    void aMessageThatIsAllHeaderIsRewrittenAtTheEnd() throws IOException {
        assertThat(through("Subject: no body\r\n", 5)).isEqualTo("Subject: NO BODY\r\n");
    }

    @Test
    void eightBitBytesSurviveUntouched() throws IOException {
        String in = "X-Name: Jos\u00e9\r\nSubject: caf\u00e9\r\n\r\n\u00ff\r\n";
        assertThat(through(in, 2)).isEqualTo("X-Name: Jos\u00e9\r\nSubject: CAF\u00c9\r\n\r\n\u00ff\r\n");
    }

    @Test
    void aHugeHeaderSectionPassesUntouched() throws IOException {
        String in = "Subject: x\r\n" + ("X-Filler: " + "a".repeat(990) + "\r\n").repeat(300) + "\r\nbody\r\n";
        assertThat(through(in, 4096)).isEqualTo(in);
    }
}
