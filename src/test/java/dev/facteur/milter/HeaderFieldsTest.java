package dev.facteur.milter;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How a stored message is cut into the header fields and the body a filter is sent (RFC 5322 §2.1, §2.2; Postfix's MIME reader). */
class HeaderFieldsTest {

    /** The fields as "name|value", then the body after "||". */
    static List<String> split(String message, int maxField) throws IOException {
        var fields = new HeaderFields(new ByteArrayInputStream(message.getBytes(StandardCharsets.ISO_8859_1)), maxField);
        List<String> out = new ArrayList<>();
        for (HeaderFields.Field f; (f = fields.next()) != null; )
            out.add(new String(f.name(), StandardCharsets.ISO_8859_1) + "|" + new String(f.value(), StandardCharsets.ISO_8859_1));
        assertThat(fields.next()).as("the end stays the end").isNull();
        out.add("||" + new String(fields.body().readAllBytes(), StandardCharsets.ISO_8859_1));
        return out;
    }

    static List<String> split(String message) throws IOException {
        return split(message, MilterClient.MAX_FIELD);
    }

    @Test
    void theEmptyLineEndsTheHeaderSectionAndBelongsToNeither() throws IOException { // RFC 5322 §2.1
        assertThat(split("Subject: hi\r\nTo: b@example.test\r\n\r\nbody\r\n\r\n"))
                .containsExactly("Subject| hi", "To| b@example.test", "||body\r\n\r\n");
    }

    @Test
    void foldedLinesAreJoinedByLineFeedsAlone() throws IOException { // §2.2.3, as Sendmail keeps headers
        assertThat(split("To: a@example.test,\r\n b@example.test,\r\n\tc@example.test\r\nX: y\r\n\r\n"))
                .containsExactly("To| a@example.test,\n b@example.test,\n\tc@example.test", "X| y", "||");
    }

    @Test
    void whiteSpaceBeforeTheColonIsNotPartOfTheName() throws IOException { // §4.5.3's obsolete syntax
        assertThat(split("Subject \t: hi\r\n\r\n")).containsExactly("Subject| hi", "||");
    }

    @Test
    void aLineThatIsNoFieldStartsTheBody() throws IOException { // Postfix's MIME reader; no empty line to drop
        assertThat(split("Subject: hi\r\nno colon here\r\nTo: x\r\n")).containsExactly("Subject| hi", "||no colon here\r\nTo: x\r\n");
        assertThat(split("Subject: hi\r\n: empty name\r\n")).containsExactly("Subject| hi", "||: empty name\r\n");
        assertThat(split("Sub ject: hi\r\n")).containsExactly("||Sub ject: hi\r\n");
        assertThat(split(" folded: first\r\n")).containsExactly("|| folded: first\r\n");
    }

    @Test
    void aMessageOfHeadersOnlyHasAnEmptyBody() throws IOException {
        assertThat(split("Subject: hi\r\nTo: x")).containsExactly("Subject| hi", "To| x", "||");
        assertThat(split("")).containsExactly("||");
        assertThat(split("\r\nbody")).containsExactly("||body");
    }

    @Test
    void bareLineFeedsEndLinesToo() throws IOException {
        assertThat(split("Subject: hi\nTo: x\n continued\n\nbody\n")).containsExactly("Subject| hi", "To| x\n continued", "||body\n");
    }

    @Test
    void eightBitBytesPassAsTheyAre() throws IOException {
        assertThat(split("Subject: caf\u00e9 \u00ff\r\n\r\n")).containsExactly("Subject| caf\u00e9 \u00ff", "||");
    }

    @Test
    void aFieldPastTheLimitIsCutAndTheNextOneIsWhole() throws IOException { // Postfix's header_size_limit
        String longValue = "x".repeat(100);
        assertThat(split("Long: " + longValue + "\r\n more\r\nNext: y\r\n\r\nb", 20))
                .containsExactly("Long| " + "x".repeat(14), "Next| y", "||b");
    }
}
