package dev.facteur.milter;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A filter's changes to the content, applied in order as Postfix's cleanup applies them. */
class MessageEditsTest {

    private static final String MESSAGE = "From: a@example.test\r\nSubject: hi\r\nX-Tag: one\r\nX-Tag: two\r\n\r\nbody\r\n";

    private static String edited(String message, Modification... changes) throws IOException {
        var out = new ByteArrayOutputStream();
        MessageEdits.apply(List.of(changes), new ByteArrayInputStream(message.getBytes(StandardCharsets.ISO_8859_1)), out);
        return out.toString(StandardCharsets.ISO_8859_1);
    }

    @Test
    void anAddedFieldGoesAtTheEndOfTheHeaderSection() throws IOException {
        assertThat(edited(MESSAGE, new Modification.AddHeader("X-Spam", " yes")))
                .isEqualTo("From: a@example.test\r\nSubject: hi\r\nX-Tag: one\r\nX-Tag: two\r\nX-Spam: yes\r\n\r\nbody\r\n");
    }

    @Test
    void anInsertedFieldGoesBeforeTheIndexthFieldShownAndZeroIsTheTop() throws IOException {
        assertThat(edited(MESSAGE, new Modification.InsertHeader(0, "DKIM-Signature", " v=1;\r\n\tb=abc")))
                .startsWith("DKIM-Signature: v=1;\r\n\tb=abc\r\nFrom: a@example.test\r\n");
        assertThat(edited(MESSAGE, new Modification.InsertHeader(2, "X-New", " 1")))
                .startsWith("From: a@example.test\r\nSubject: hi\r\nX-New: 1\r\nX-Tag: one\r\n");
        assertThat(edited(MESSAGE, new Modification.InsertHeader(99, "X-New", " 1"))).contains("X-Tag: two\r\nX-New: 1\r\n\r\nbody");
    }

    @Test
    void aChangeReplacesTheNthFieldOfThatNameWhateverItsCase() throws IOException {
        assertThat(edited(MESSAGE, new Modification.ChangeHeader(2, "x-tag", " TWO")))
                .contains("X-Tag: one\r\nx-tag: TWO\r\n\r\n");
        assertThat(edited(MESSAGE, new Modification.ChangeHeader(0, "Subject", " read as the first")))
                .contains("Subject: read as the first\r\nX-Tag: one");
    }

    @Test
    void aChangeOfAFieldThatIsNotThereAddsIt() throws IOException {
        assertThat(edited(MESSAGE, new Modification.ChangeHeader(3, "X-Tag", " three"))).contains("X-Tag: two\r\nX-Tag: three\r\n\r\n");
    }

    @Test
    void aDeletionRemovesTheNthFieldOfThatNameAndNothingWhenThereIsNone() throws IOException {
        assertThat(edited(MESSAGE, new Modification.DeleteHeader(1, "X-Tag"))).contains("Subject: hi\r\nX-Tag: two\r\n\r\n");
        assertThat(edited(MESSAGE, new Modification.DeleteHeader(5, "X-Tag"))).isEqualTo(MESSAGE);
    }

    @Test
    void eachChangeSeesTheFieldsAsTheChangesBeforeItLeftThem() throws IOException {
        assertThat(edited(MESSAGE, new Modification.DeleteHeader(1, "X-Tag"), new Modification.ChangeHeader(1, "X-Tag", " last")))
                .contains("Subject: hi\r\nX-Tag: last\r\n\r\n");
    }

    @Test
    void aFoldedFieldIsKeptWholeAndMovesAsOne() throws IOException {
        String folded = "Subject: a\r\n long one\r\nX-Tag: one\r\n\r\nb\r\n";
        assertThat(edited(folded, new Modification.InsertHeader(1, "X-In", " between")))
                .isEqualTo("Subject: a\r\n long one\r\nX-In: between\r\nX-Tag: one\r\n\r\nb\r\n");
    }

    @Test
    void theReplacedBodyIsTheChunksInOrderWithCrlfLineEnds() throws IOException {
        assertThat(edited(MESSAGE, new Modification.ReplaceBody("new\nbo".getBytes(StandardCharsets.ISO_8859_1)),
                new Modification.ReplaceBody("dy\r".getBytes(StandardCharsets.ISO_8859_1)),
                new Modification.ReplaceBody("\nend".getBytes(StandardCharsets.ISO_8859_1))))
                .isEqualTo("From: a@example.test\r\nSubject: hi\r\nX-Tag: one\r\nX-Tag: two\r\n\r\nnew\r\nbody\r\nend\r\n");
    }

    @Test
    void theEnvelopesChangesAndQuarantineLeaveTheContentAlone() throws IOException {
        assertThat(MessageEdits.touchContent(List.of(new Modification.ChangeSender("<b@x.test>", ""),
                new Modification.AddRecipient("<c@x.test>", ""), new Modification.DeleteRecipient("<d@x.test>"),
                new Modification.Quarantine("why")))).isFalse();
        assertThat(edited(MESSAGE, new Modification.Quarantine("why"))).isEqualTo(MESSAGE);
    }

    @Test
    void aMessageWithoutBodyGetsItsFieldsAndNoEmptyLineItDidNotHave() throws IOException {
        assertThat(edited("Subject: x\r\n", new Modification.AddHeader("X-A", " 1"))).isEqualTo("Subject: x\r\nX-A: 1\r\n");
        assertThat(edited("Subject: x\r\n\r\n", new Modification.AddHeader("X-A", " 1"))).isEqualTo("Subject: x\r\nX-A: 1\r\n\r\n");
    }

    @Test
    void aBodyThatStartedWithoutItsEmptyLineGetsOne() throws IOException {
        assertThat(edited("Subject: x\r\nnot a field\r\n", new Modification.AddHeader("X-A", " 1")))
                .isEqualTo("Subject: x\r\nX-A: 1\r\n\r\nnot a field\r\n");
    }

    @Test
    void eightBitHeaderTextIsCopiedByteForByte() throws IOException {
        String latin = "Subject: caf\u00e9 \u00ff\r\n\r\nb\r\n";
        assertThat(edited(latin, new Modification.AddHeader("X-A", " 1"))).isEqualTo("Subject: caf\u00e9 \u00ff\r\nX-A: 1\r\n\r\nb\r\n");
    }
}
