package dev.facteur.mime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.facteur.mime.Composer.Composed;
import dev.facteur.mime.Composer.Draft;
import dev.facteur.mime.Composer.Field;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Every message the composer writes is read back by decoders that are not its own
 * ({@link ParsedMessage}): the fields RFC 5322 requires, MIME parts with their boundary and
 * closing delimiter, quoted-printable and base64 that decode to the text given, encoded words that
 * decode to the subject and names, and no way for a value to start a field of its own.
 */
class ComposerTest {

    private final Composer composer = new Composer("mx.facteur.test", Clock.fixed(Instant.parse("2026-12-01T10:15:30Z"), ZoneOffset.ofHours(1)),
            new Random(1));
    private static final NamedAddress FROM = NamedAddress.parse("News <news@example.com>");
    private static final NamedAddress BOB = NamedAddress.parse("Bob <bob@example.net>");

    private ParsedMessage compose(String subject, String text, String html) {
        return new ParsedMessage(composer.compose(new Draft(FROM, List.of(new Field.Addresses("To", List.of(BOB)),
                new Field.Text("Subject", subject)), text, html)).content());
    }

    @Test
    void aTextMessageHasTheFieldsRfc5322RequiresAndItsTextAs7bit() { // RFC 5322 §3.6
        Composed c = composer.compose(new Draft(FROM, List.of(new Field.Addresses("To", List.of(BOB)), new Field.Text("Subject", "Hello")),
                "Hi Bob,\nsee you.\n", null));
        var m = new ParsedMessage(c.content());
        assertThat(m.field("From")).isEqualTo("News <news@example.com>");
        assertThat(m.field("To")).isEqualTo("Bob <bob@example.net>");
        assertThat(m.field("Subject")).isEqualTo("Hello");
        assertThat(m.field("Date")).isEqualTo("Tue, 1 Dec 2026 11:15:30 +0100");
        assertThat(m.field("Message-ID")).isEqualTo(c.messageId()).matches("<[0-9a-f]{32}@mx\\.facteur\\.test>");
        assertThat(m.field("MIME-Version")).isEqualTo("1.0");
        assertThat(m.field("Content-Type")).isEqualTo("text/plain; charset=utf-8");
        assertThat(m.field("Content-Transfer-Encoding")).isEqualTo("7bit");
        assertThat(m.text()).isEqualTo("Hi Bob,\r\nsee you.\r\n");
        assertThat(c.utf8Header()).isFalse();
    }

    @Test
    void eachMessageGetsItsOwnMessageId() {
        Draft d = new Draft(FROM, List.of(), "x", null);
        assertThat(composer.compose(d).messageId()).isNotEqualTo(composer.compose(d).messageId());
    }

    @Test
    void textWithAccentsGoesQuotedPrintableAndDecodesBack() { // RFC 2045 §6.7
        String text = "Déjà vu: naïve café = 100 % ✓\nA line with a trailing space \n" + "long ".repeat(40) + "\n.dot first\n";
        var m = compose("x", text, null);
        assertThat(m.field("Content-Transfer-Encoding")).isEqualTo("quoted-printable");
        assertThat(m.text()).isEqualTo(Composer.lines(text));
    }

    @Test
    void textThatIsMostlyNotAsciiGoesBase64() {
        String text = "日本語のテキストです。".repeat(20) + "\n";
        var m = compose("x", text, null);
        assertThat(m.field("Content-Transfer-Encoding")).isEqualTo("base64");
        assertThat(m.text()).isEqualTo(Composer.lines(text));
    }

    @Test
    void asciiWithALineLongerThan998OctetsIsNot7bit() { // RFC 5322 §2.1.1, RFC 2045 §2.7
        String text = "x".repeat(2000) + "\n";
        var m = compose("x", text, null);
        assertThat(m.field("Content-Transfer-Encoding")).isEqualTo("quoted-printable");
        assertThat(m.text()).isEqualTo(Composer.lines(text));
    }

    @Test
    void textAndHtmlAreAMultipartAlternativePlainTextFirst() { // RFC 2046 §5.1.4
        var m = compose("x", "Hello Bob", "<p>Hello <b>Bob</b> — ça va?</p>");
        assertThat(m.field("Content-Type")).startsWith("multipart/alternative; boundary=\"=_");
        assertThat(m.fields).doesNotContainKey("content-transfer-encoding");
        List<ParsedMessage> parts = m.parts();
        assertThat(parts).hasSize(2);
        assertThat(parts.get(0).field("Content-Type")).isEqualTo("text/plain; charset=utf-8");
        assertThat(parts.get(0).text()).isEqualTo("Hello Bob\r\n");
        assertThat(parts.get(1).field("Content-Type")).isEqualTo("text/html; charset=utf-8");
        assertThat(parts.get(1).text()).isEqualTo("<p>Hello <b>Bob</b> — ça va?</p>\r\n");
    }

    @Test
    void theBoundaryOccursInNoPart() { // RFC 2046 §5.1.1
        // the composer's random source is seeded: the test knows the first boundary it will pick (after the
        // Message-ID's 16 random octets), and puts it in the text
        String first = "--" + "=_" + HexFormat.of().formatHex(firstBoundaryBytes());
        var m = new ParsedMessage(new Composer("h.test", Clock.systemUTC(), new Random(7)).compose(new Draft(FROM, List.of(),
                "before\n" + first + "\nafter", "<p>x</p>")).content());
        assertThat(m.field("Content-Type")).doesNotContain(first.substring(2));
        assertThat(m.parts().getFirst().text()).isEqualTo("before\r\n" + first + "\r\nafter\r\n");
    }

    private static byte[] firstBoundaryBytes() {
        Random same = new Random(7);
        same.nextBytes(new byte[16]);
        byte[] b = new byte[12];
        same.nextBytes(b);
        return b;
    }

    @Test
    void aSubjectOutsideAsciiIsEncodedWordsThatDecodeBack() { // RFC 2047 §5(1)
        String subject = "Ihre Bestellung ist unterwegs — Größe M, Farbe Grün, Lieferung morgen früh ✈";
        var m = compose(subject, "x", null);
        assertThat(m.field("Subject")).as("plain words stay readable").startsWith("Ihre Bestellung ist unterwegs =?UTF-8?B?");
        assertThat(ParsedMessage.decodeWords(m.field("Subject"))).isEqualTo(subject);
        assertThat(m.headerLines).allSatisfy(l -> assertThat(l.length()).isLessThanOrEqualTo(76));
    }

    @Test
    void whiteSpaceBetweenEncodedWordsIsEncodedWithThemElseAReaderWouldDropIt() { // RFC 2047 §6.2
        String subject = "é \t  ü x  ö";
        var m = compose(subject, "x", null);
        assertThat(m.field("Subject")).matches("=\\?UTF-8\\?B\\?[^ ]+\\?= x  =\\?UTF-8\\?B\\?[^ ]+\\?=");
        assertThat(ParsedMessage.decodeWords(m.field("Subject"))).isEqualTo(subject);
        assertThat(ParsedMessage.decodeWords(compose("a =?x?= b", "x", null).field("Subject"))).as("text that looks encoded is encoded")
                .isEqualTo("a =?x?= b");
        assertThat(compose("a =?x?= b", "x", null).field("Subject")).doesNotContain("=?x?=");
    }

    @Test
    void aLongAsciiSubjectIsFoldedAtItsSpacesAndUnfoldsToItself() { // RFC 5322 §2.2.3
        String subject = "A rather long subject line  with two spaces, that goes on and on past the seventy-eight characters of a line";
        var m = compose(subject, "x", null);
        assertThat(m.field("Subject")).isEqualTo(subject);
        assertThat(m.headerLines).allSatisfy(l -> assertThat(l.length()).isLessThanOrEqualTo(76));
        assertThat(m.headerLines.stream().filter(l -> l.startsWith(" "))).isNotEmpty();
    }

    @Test
    void aWordTooLongForALineIsEncodedRatherThanLeftOver998() {
        String subject = "x".repeat(1500);
        var m = compose(subject, "x", null);
        assertThat(ParsedMessage.decodeWords(m.field("Subject"))).isEqualTo(subject);
    }

    @Test
    void displayNamesAreEncodedOrQuotedAndAddressListsFoldBetweenAddresses() { // RFC 2047 §5(3)
        List<NamedAddress> to = List.of(NamedAddress.parse("Zoë Ångström <zoe@example.org>"), NamedAddress.parse("\"Doe, John\" <john@example.org>"),
                NamedAddress.parse("a-very-long-local-part-to-make-the-line-fold@example.org"), BOB);
        var m = new ParsedMessage(composer.compose(new Draft(NamedAddress.parse("Zoë <z@example.com>"), List.of(new Field.Addresses("To", to)), "x", null))
                .content());
        assertThat(ParsedMessage.decodeWords(m.field("From"))).isEqualTo("Zoë <z@example.com>");
        assertThat(ParsedMessage.decodeWords(m.field("To"))).isEqualTo(
                "Zoë Ångström <zoe@example.org>, \"Doe, John\" <john@example.org>, a-very-long-local-part-to-make-the-line-fold@example.org, Bob <bob@example.net>");
        assertThat(m.headerLines).allSatisfy(l -> assertThat(l.length()).isLessThanOrEqualTo(76));
    }

    @Test
    void anAddressOutsideAsciiMakesAUtf8Header() { // RFC 6532
        Composed c = composer.compose(new Draft(FROM, List.of(new Field.Addresses("To", List.of(NamedAddress.parse("jürgen@bücher.example")))),
                "x", null));
        assertThat(c.utf8Header()).isTrue();
        assertThat(new ParsedMessage(c.content()).field("To")).isEqualTo("jürgen@bücher.example");
    }

    @Test
    void noValueCanStartAFieldOfItsOwn() { // header injection
        assertThatThrownBy(() -> composer.compose(new Draft(FROM, List.of(new Field.Text("Subject", "hi\r\nBcc: victim@example.org")), "x", null)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("line break");
        assertThatThrownBy(() -> composer.compose(new Draft(FROM, List.of(new Field.Text("X-Bad\r\nBcc", "v")), "x", null)))
                .hasMessageContaining("not a field name");
        assertThatThrownBy(() -> composer.compose(new Draft(FROM, List.of(new Field.Text("X Bad:", "v")), "x", null)))
                .hasMessageContaining("not a field name");
        assertThat(Composer.isFieldName("List-Unsubscribe-Post")).isTrue();
        assertThat(Composer.isFieldName("Ünicode")).isFalse();
    }

    @Test
    void anEmptyTextIsOneEmptyLine() {
        var m = compose("x", "", null);
        assertThat(m.text()).isEqualTo("\r\n");
        assertThat(compose("x", "", "").parts()).hasSize(2);
    }

    /** Random subjects and texts, all sorts of characters and line ends: each message reads back as given. */
    @Test
    void randomMessagesReadBackAsGiven() {
        Random random = new Random(42);
        String[] pieces = {"a", "Z", " ", "  ", "\t", "=", "=?", ".", "\n", "\r\n", "\r", "é", "ß", "中", "😀", "x".repeat(90), "--", "From "};
        for (int round = 0; round < 1000; round++) {
            String subject = randomText(random, pieces, 30).replaceAll("[\r\n]", " ");
            String text = randomText(random, pieces, 200);
            String html = random.nextBoolean() ? null : "<p>" + randomText(random, pieces, 100) + "</p>";
            var m = compose(subject, text, html);
            assertThat(ParsedMessage.decodeWords(m.field("Subject"))).as("round " + round).isEqualTo(subject.strip());
            if (html == null) {
                assertThat(m.text()).as("round " + round).isEqualTo(Composer.lines(text));
            } else {
                List<ParsedMessage> parts = m.parts();
                assertThat(parts.get(0).text()).as("round " + round).isEqualTo(Composer.lines(text));
                assertThat(parts.get(1).text()).as("round " + round).isEqualTo(Composer.lines(html));
            }
        }
    }

    private static String randomText(Random random, String[] pieces, int max) {
        StringBuilder sb = new StringBuilder();
        for (int i = random.nextInt(max); i > 0; i--) sb.append(pieces[random.nextInt(pieces.length)]);
        return sb.toString();
    }

    @Test
    void theMessageIsUtf8Octets() {
        Composed c = composer.compose(new Draft(FROM, List.of(new Field.Text("Subject", "é")), "x", null));
        assertThat(new String(c.content(), StandardCharsets.US_ASCII)).doesNotContain("\uFFFD");
    }
}
