package dev.facteur.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.Map;

/**
 * Whatever bytes a client sends as a command line (RFC 5321 §4.1.1), the parser gives a
 * {@link Command}: a valid one or {@link Command.Invalid} with the reply to send, never an
 * exception. A MAIL or RCPT command written back from what was parsed parses to the same command.
 */
class CommandParserFuzzTest {

    @FuzzTest(maxDuration = "10m")
    void anyLineIsACommandOrItsReply(byte[] line) {
        Command c = CommandParser.parse(line);
        assertThat(c).isNotNull();
        switch (c) {
            case Command.Mail m -> {
                checkPathAndParams(m.path(), m.params());
                assertThat(CommandParser.parse("MAIL FROM:" + m.path() + written(m.params()))).isEqualTo(m);
            }
            case Command.Rcpt r -> {
                checkPathAndParams(r.path(), r.params());
                assertThat(CommandParser.parse("RCPT TO:" + r.path() + written(r.params()))).isEqualTo(r);
            }
            case Command.Bdat b -> assertThat(b.size()).isNotNegative();
            case Command.Ehlo e -> assertThat(e.domain()).isNotEmpty().doesNotContain(" ");
            case Command.Helo h -> assertThat(h.domain()).isNotEmpty().doesNotContain(" ");
            case Command.Invalid i -> assertThat(i.reply().code()).isBetween(500, 599);
            default -> { }
        }
    }

    private static void checkPathAndParams(String path, Map<String, String> params) {
        assertThat(path).startsWith("<").endsWith(">");
        params.forEach((k, v) -> {
            assertThat(k).isNotEmpty().isUpperCase().matches("[A-Z0-9-]+");
            if (v != null) assertThat(v).isNotEmpty().doesNotContain(" ");
        });
    }

    private static String written(Map<String, String> params) {
        StringBuilder b = new StringBuilder();
        params.forEach((k, v) -> b.append(' ').append(k).append(v == null ? "" : "=" + v));
        return b.toString();
    }
}
