package dev.facteur.inject;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.facteur.inject.Template.Escaping;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Placeholders as Mustache writes them: {@code {{name}}} filled in (escaped in HTML),
 * {@code {{{name}}}} as it is, {@code \{{} literal; anything else that opens with braces is an
 * error rather than text mailed with a hole in it.
 */
class TemplateTest {

    private static Function<String, String> values(Map<String, String> m) {
        return m::get;
    }

    private static String render(String source, Map<String, String> values, Escaping escaping) throws Template.Invalid {
        return Template.parse(source).render(values(values), escaping);
    }

    @Test
    void placeholdersAreFilledInWithSpacesInsideAllowed() throws Exception {
        assertThat(render("Hello {{name}}, {{ greeting }}!", Map.of("name", "Bob", "greeting", "welcome"), Escaping.NONE))
                .isEqualTo("Hello Bob, welcome!");
        assertThat(Template.parse("{{a}}{{b.c}}{{a}}{{_x-1}}").names()).containsExactlyInAnyOrder("a", "b.c", "_x-1");
    }

    @Test
    void inHtmlTwoBracesEscapeAndThreeDoNot() throws Exception {
        var v = Map.of("name", "<b>Tom & \"Jerry's\"</b>");
        assertThat(render("<p>{{name}}</p>", v, Escaping.HTML)).isEqualTo("<p>&lt;b&gt;Tom &amp; &quot;Jerry&#39;s&quot;&lt;/b&gt;</p>");
        assertThat(render("<p>{{{name}}}</p>", v, Escaping.HTML)).isEqualTo("<p><b>Tom & \"Jerry's\"</b></p>");
        assertThat(render("{{name}}", v, Escaping.NONE)).as("plain text is not HTML").isEqualTo("<b>Tom & \"Jerry's\"</b>");
    }

    @Test
    void aBackslashBeforeBracesKeepsThemLiteral() throws Exception {
        assertThat(render("code: \\{{ not_a_variable }}", Map.of(), Escaping.NONE)).isEqualTo("code: {{ not_a_variable }}");
        assertThat(Template.parse("\\{{x}}").names()).isEmpty();
    }

    @Test
    void braceLiteralTextWithoutTwoBracesIsJustText() throws Exception {
        assertThat(render("a { b } c }} d", Map.of(), Escaping.NONE)).isEqualTo("a { b } c }} d");
    }

    @Test
    void anUnclosedOrMalformedPlaceholderIsAnErrorNamingWhere() {
        assertThatThrownBy(() -> Template.parse("Hello {{name")).isInstanceOf(Template.Invalid.class)
                .hasMessageContaining("at character 7").hasMessageContaining("not closed");
        assertThatThrownBy(() -> Template.parse("Hello {{first name}}")).hasMessageContaining("not a variable name: {{first name}}");
        assertThatThrownBy(() -> Template.parse("{{{raw}}")).hasMessageContaining("not closed by }}}");
        assertThatThrownBy(() -> Template.parse("{{a {{b}}")).hasMessageContaining("not closed");
        assertThatThrownBy(() -> Template.parse("{{}}")).hasMessageContaining("not a variable name");
        assertThatThrownBy(() -> Template.parse("{{1st}}")).hasMessageContaining("not a variable name");
    }

    @Test
    void missingNamesTheFirstVariableWithoutAValue() throws Exception {
        Template t = Template.parse("{{a}} {{b}} {{c}}");
        assertThat(t.missing(values(Map.of("a", "1", "c", "3")))).isEqualTo("b");
        assertThat(t.missing(values(Map.of("a", "1", "b", "2", "c", "3")))).isNull();
    }

    /** The length is told without making the text: it must be the length of the text made, escaped or not. */
    @Test
    void theLengthIsTheRenderedLengthForRandomTemplates() throws Exception {
        Random random = new Random(13);
        String alphabet = "ab &<>\"'{}\\é";
        for (int round = 0; round < 2000; round++) {
            StringBuilder source = new StringBuilder();
            for (int i = random.nextInt(12); i > 0; i--) {
                switch (random.nextInt(4)) {
                    case 0 -> source.append("{{v").append(random.nextInt(3)).append("}}");
                    case 1 -> source.append("{{{v").append(random.nextInt(3)).append("}}}");
                    default -> source.append(alphabet.charAt(random.nextInt(alphabet.length())));
                }
            }
            Template t;
            try {
                t = Template.parse(source.toString());
            } catch (Template.Invalid e) {
                continue; // stray braces next to a placeholder: refused, which is the point
            }
            Map<String, String> v = Map.of("v0", "", "v1", "<&>", "v2", "it's \"x\"");
            for (Escaping e : Escaping.values()) assertThat(t.length(values(v), e)).as(source + " " + e).isEqualTo(t.render(values(v), e).length());
        }
    }
}
