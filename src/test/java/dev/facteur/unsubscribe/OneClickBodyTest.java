package dev.facteur.unsubscribe;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** RFC 8058 §3.2: the one-click body, in either of the two encodings a mail client may send. */
class OneClickBodyTest {

    private static final String FORM = "application/x-www-form-urlencoded";

    private static boolean oneClick(String contentType, String body) {
        return OneClickBody.isOneClick(contentType, body.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void theUrlEncodedPairAloneOrAmongOthers() {
        assertThat(oneClick(FORM, "List-Unsubscribe=One-Click")).isTrue();
        assertThat(oneClick(FORM, "List-Unsubscribe=One-Click\r\n")).isTrue();
        assertThat(oneClick(FORM, "a=b&List-Unsubscribe=One-Click&c=d")).isTrue();
        assertThat(oneClick(FORM, "List%2DUnsubscribe=One%2dClick")).isTrue();
        assertThat(oneClick(null, "List-Unsubscribe=One-Click")).as("no Content-Type: read as a form").isTrue();
    }

    @Test
    void anotherPairOrAnotherValueIsNotOneClick() {
        assertThat(oneClick(FORM, "confirm=yes")).isFalse();
        assertThat(oneClick(FORM, "List-Unsubscribe=One-Click-Maybe")).isFalse();
        assertThat(oneClick(FORM, "List-Unsubscribe")).isFalse();
        assertThat(oneClick(FORM, "List-Unsubscribe=%")).isFalse();
        assertThat(oneClick(FORM, "")).isFalse();
    }

    @Test
    void theMultipartFieldAsRfc7578WritesIt() {
        String body = "--AaB03x\r\nContent-Disposition: form-data; name=\"List-Unsubscribe\"\r\n\r\nOne-Click\r\n--AaB03x--\r\n";
        assertThat(oneClick("multipart/form-data; boundary=AaB03x", body)).isTrue();
        assertThat(oneClick("Multipart/Form-Data; charset=utf-8; boundary=\"AaB03x\"", body)).as("a quoted boundary").isTrue();
        String second = "preamble\r\n--b\r\nContent-Disposition: form-data; name=\"other\"\r\n\r\nx\r\n"
                + "--b\r\ncontent-disposition: form-data; name=List-Unsubscribe\r\nContent-Type: text/plain\r\n\r\nOne-Click\r\n--b--";
        assertThat(oneClick("multipart/form-data; boundary=b", second)).as("the second part, header in any case").isTrue();
    }

    @Test
    void aMultipartBodyWithoutTheFieldOrWithoutItsBoundaryIsNotOneClick() {
        String body = "--b\r\nContent-Disposition: form-data; name=\"List-Unsubscribe\"\r\n\r\nOne-Click\r\n--b--\r\n";
        assertThat(oneClick("multipart/form-data", body)).as("no boundary").isFalse();
        assertThat(oneClick("multipart/form-data; boundary=c", body)).as("another boundary").isFalse();
        assertThat(oneClick("multipart/form-data; boundary=b", body.replace("form-data", "attachment"))).isFalse();
        assertThat(oneClick("multipart/form-data; boundary=b", body.replace("One-Click", "One-Click "))).isFalse();
        assertThat(oneClick("multipart/form-data; boundary=b", "List-Unsubscribe=One-Click")).as("a form body labelled multipart").isFalse();
    }

    @Test
    void noBodyAndNoContentTypeEverThrows() { // whatever a client sends
        Random random = new Random(8058);
        String[] types = {null, "", FORM, "multipart/form-data", "multipart/form-data; boundary=", "multipart/form-data; boundary=\"",
                "multipart/form-data; boundary=--", "multipart/form-data; boundary=b", "text/plain; ;;="};
        String[] pieces = {"--b", "\r\n", "\n", "=", "&", "%", "%2", "List-Unsubscribe", "One-Click", "Content-Disposition:", "form-data;",
                "name=\"List-Unsubscribe\"", ";", "\"", "é", "\0"};
        int yes = 0;
        for (int i = 0; i < 20_000; i++) {
            StringBuilder body = new StringBuilder();
            for (int j = random.nextInt(20); j > 0; j--) body.append(pieces[random.nextInt(pieces.length)]);
            if (oneClick(types[random.nextInt(types.length)], body.toString())) yes++;
        }
        assertThat(yes).as("some random bodies are one-click").isPositive();
    }
}
