package dev.facteur.milter;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.smtp.Reply;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** SMFIR_REPLYCODE: an SMTP reply (RFC 5321 §4.2), checked as Postfix's milter8_valid_smtp_reply does. */
class ReplyCodeTextTest {

    static Reply parse(String s) {
        return ReplyCodeText.parse((s + "\0").getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void aReplyWithAnEnhancedCode() { // RFC 3463
        assertThat(parse("554 5.7.1 Spam message rejected")).isEqualTo(new Reply(554, "5.7.1", "Spam message rejected"));
    }

    @Test
    void aReplyWithoutOne() {
        assertThat(parse("451 Try again")).isEqualTo(new Reply(451, "", "Try again"));
    }

    @Test
    void aMultiLineReply() { // §4.2.1: code-hyphen on every line but the last
        assertThat(parse("550-5.7.1 first\r\n550-5.7.1 second\r\n550 5.7.1 third"))
                .isEqualTo(new Reply(550, "5.7.1", List.of("first", "second", "third")));
    }

    @Test
    void percentSignsAreSendmailsFormatEscapes() { // Postfix: %% is %, a lone % goes
        assertThat(parse("550 5.7.1 100%% sure, 5%s")).isEqualTo(new Reply(550, "5.7.1", "100% sure, 5s"));
    }

    @Test
    void whatIsNotA4xxOr5xxReplyIsRefused() {
        assertThat(parse("250 2.0.0 Ok")).as("positive").isNull();
        assertThat(parse("55 short")).as("two digits").isNull();
        assertThat(parse("550")).as("no separator").isNull();
        assertThat(parse("550-5.7.1 no last line")).as("hyphen on the last line").isNull();
        assertThat(parse("550 5.7.1 a\r\n550 5.7.1 b")).as("space on a line before the last").isNull();
        assertThat(parse("550-5.7.1 a\r\n451 4.7.1 b")).as("two codes").isNull();
        assertThat(parse("550 4.7.1 class differs")).as("enhanced class not the reply's").isNull();
        assertThat(parse("550 5.7.1 a\nb")).as("bare LF").isNull();
        assertThat(ReplyCodeText.parse("550 5.7.1 a\0b\0".getBytes(StandardCharsets.UTF_8))).as("NUL inside").isNull();
        assertThat(parse("")).as("empty").isNull();
    }
}
