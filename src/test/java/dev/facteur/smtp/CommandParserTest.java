package dev.facteur.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CommandParserTest {

    private static Command parse(String s) {
        return CommandParser.parse(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void verbsAreCaseInsensitive() { // RFC 5321 §2.4
        assertThat(parse("ehlo client.example")).isEqualTo(new Command.Ehlo("client.example"));
        assertThat(parse("QuIt")).isEqualTo(new Command.Quit());
    }

    @Test
    void mailKeepsThePathAndUpperCasesParameterKeywords() { // RFC 5321 §4.1.2
        assertThat(parse("MAIL FROM:<a@b.example> size=100 BODY=8BITMIME"))
                .isEqualTo(new Command.Mail("<a@b.example>", Map.of("SIZE", "100", "BODY", "8BITMIME")));
    }

    @Test
    void spaceAfterTheColonIsTolerated() {
        assertThat(parse("MAIL FROM: <a@b.example>")).isEqualTo(new Command.Mail("<a@b.example>", Map.of()));
    }

    @Test
    void quotedLocalPartsMayHoldSpacesAndBrackets() {
        assertThat(parse("RCPT TO:<\"odd > name\"@example.test> NOTIFY=NEVER"))
                .isEqualTo(new Command.Rcpt("<\"odd > name\"@example.test>", Map.of("NOTIFY", "NEVER")));
    }

    @Test
    void srsAddressesSurviveIntact() {
        assertThat(parse("MAIL FROM:<SRS0=HHH=TT=example.com=joe@fwd.example.org>"))
                .isEqualTo(new Command.Mail("<SRS0=HHH=TT=example.com=joe@fwd.example.org>", Map.of()));
    }

    @Test
    void repeatedParametersAreRefused() {
        assertThat(parse("MAIL FROM:<a@b.example> SIZE=1 SIZE=2")).isInstanceOf(Command.Invalid.class);
    }

    @Test
    void pathWithoutBracketsIsASyntaxError() {
        assertThat(parse("MAIL FROM:a@b.example")).isEqualTo(new Command.Invalid(Replies.MAIL_SYNTAX));
    }

    @Test
    void bdatTakesASizeAndOptionalLast() { // RFC 3030 §2
        assertThat(parse("BDAT 100 LAST")).isEqualTo(new Command.Bdat(100, true));
        assertThat(parse("BDAT 0")).isEqualTo(new Command.Bdat(0, false));
        assertThat(parse("BDAT -1")).isInstanceOf(Command.Invalid.class);
        assertThat(parse("BDAT 1 FIRST")).isInstanceOf(Command.Invalid.class);
    }

    @Test
    void nulAndInvalidUtf8AreRefused() {
        assertThat(CommandParser.parse(new byte[] {'N', 'O', 0, 'P'})).isEqualTo(new Command.Invalid(Replies.NUL_IN_COMMAND));
        assertThat(CommandParser.parse(new byte[] {'V', 'R', 'F', 'Y', ' ', (byte) 0xff}))
                .isEqualTo(new Command.Invalid(Replies.BAD_UTF8));
    }

    @Test
    void unknownVerbsAreNotRecognized() {
        assertThat(parse("XYZZY")).isEqualTo(new Command.Invalid(Replies.UNRECOGNIZED));
    }
}
