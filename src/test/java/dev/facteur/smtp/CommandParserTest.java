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
    }

    @Test
    void aMalformedBdatIsAFatalError() { // RFC 3030 §2: without its size, the chunk's end is unknown
        for (String line : new String[] {"BDAT", "BDAT -1", "BDAT 1 FIRST", "BDAT 12x LAST", "BDAT 1 LAST more", "bdat ١٢"})
            assertThat(parse(line)).as(line).isEqualTo(new Command.Invalid(Replies.BDAT_MALFORMED));
        assertThat(CommandParser.parse(new byte[] {'B', 'D', 'A', 'T', ' ', '1', 0})).isEqualTo(new Command.Invalid(Replies.BDAT_MALFORMED));
        assertThat(CommandParser.parse(new byte[] {'b', 'd', 'a', 't', ' ', (byte) 0xff})).isEqualTo(new Command.Invalid(Replies.BDAT_MALFORMED));
        assertThat(Replies.BDAT_MALFORMED.code()).isEqualTo(521);
    }

    @Test
    void messageContentAndHttpAreNotSmtp() { // Postfix's "non-SMTP command"
        for (String line : new String[] {"Subject: hello", "From:alice@example.test", "X-Mailer : old syntax", "Data: 1",
                "--=_boundary", "<html>", ".", "> quoted", "\tfolded continuation", "GET / HTTP/1.1", "CONNECT mx:25 HTTP/1.0",
                "post /form HTTP/1.1"})
            assertThat(parse(line)).as(line).isEqualTo(new Command.NonSmtp(line));
    }

    @Test
    void ordinaryUnknownCommandsAreOnlyUnrecognized() {
        for (String line : new String[] {"", "XYZZY", "Hello there", "From alice@example.test Mon Dec 1", "ETRN example.test"})
            assertThat(parse(line)).as(line).isEqualTo(new Command.Invalid(Replies.UNRECOGNIZED));
    }

    @Test
    void authNamesItsMechanismAndMayCarryAnInitialResponse() { // RFC 4954 §4
        assertThat(parse("AUTH PLAIN AGFsaWNl")).isEqualTo(new Command.Auth("PLAIN", "AGFsaWNl"));
        assertThat(parse("auth login")).isEqualTo(new Command.Auth("LOGIN", null));
        assertThat(parse("AUTH PLAIN =")).isEqualTo(new Command.Auth("PLAIN", "="));
        for (String bad : new String[] {"AUTH", "AUTH PLAIN a b", "AUTH PL/AIN", "AUTH ABCDEFGHIJKLMNOPQRSTU"})
            assertThat(parse(bad)).as(bad).isInstanceOf(Command.Invalid.class);
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
