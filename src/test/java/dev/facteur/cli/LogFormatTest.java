package dev.facteur.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import ch.qos.logback.core.OutputStreamAppender;
import dev.facteur.config.Config;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** {@code [log] format = "json"}: each line a JSON object a log shipper reads, whatever the message holds. */
class LogFormatTest {

    private final LoggerContext context = new LoggerContext(); // not the tests' own logging
    private final ByteArrayOutputStream stdout = new ByteArrayOutputStream();

    @BeforeEach
    void stdoutAsTheServerHasIt() {
        context.setMDCAdapter(new LogbackMDCAdapter());
        var pattern = new PatternLayoutEncoder();
        pattern.setContext(context);
        pattern.setPattern("%-5level %logger: %msg%n"); // as logback.xml's, without the time
        pattern.start();
        var appender = new OutputStreamAppender<ILoggingEvent>();
        appender.setContext(context);
        appender.setName("STDOUT");
        appender.setEncoder(pattern);
        appender.setOutputStream(stdout);
        appender.start();
        context.getLogger(Logger.ROOT_LOGGER_NAME).addAppender(appender);
    }

    private List<String> lines() {
        return stdout.toString(StandardCharsets.UTF_8).lines().toList();
    }

    @Test
    void everyLineIsOneJsonObjectWithTheFieldsOfLogbacksEncoder() {
        LogFormat.use(Config.Log.Format.JSON, context);
        Logger smtpd = context.getLogger("facteur.smtpd");
        context.getMDCAdapter().put("session", "s1");

        smtpd.info("{}: client=vm[{}], from=<{}>, size=249", "1M8G3WJJ50000", "127.0.0.1", "\"quoted\\local\"@example.org");
        context.getMDCAdapter().clear();
        smtpd.warn("a line\nbroken in two, a\ttab, a \u0001 control character and an accent: é");
        smtpd.error("cannot write", new IOException("disk \"full\""));

        var json = new JsonMapper();
        List<JsonNode> objects = lines().stream().map(json::readTree).toList();
        assertThat(objects).hasSize(3).allSatisfy(o -> {
            assertThat(o.isObject()).isTrue();
            assertThat(o.path("timestamp").isIntegralNumber()).as("epoch milliseconds").isTrue();
            assertThat(o.path("loggerName").asString()).isEqualTo("facteur.smtpd");
            assertThat(o.path("threadName").asString()).isEqualTo(Thread.currentThread().getName());
        });
        assertThat(objects.get(0).path("level").asString()).isEqualTo("INFO");
        assertThat(objects.get(0).path("formattedMessage").asString())
                .isEqualTo("1M8G3WJJ50000: client=vm[127.0.0.1], from=<\"quoted\\local\"@example.org>, size=249");
        assertThat(objects.get(0).path("mdc").path("session").asString()).isEqualTo("s1");
        assertThat(objects.get(1).path("formattedMessage").asString())
                .isEqualTo("a line\nbroken in two, a\ttab, a \u0001 control character and an accent: é");
        assertThat(objects.get(2).path("level").asString()).isEqualTo("ERROR");
        assertThat(objects.get(2).path("throwable").path("message").asString()).isEqualTo("disk \"full\"");
        assertThat(objects.getFirst().has("message")).as("the raw pattern is not repeated").isFalse();
        assertThat(objects.getFirst().has("arguments")).isFalse();
    }

    @Test
    void textKeepsThePatternOfLogbackXml() {
        LogFormat.use(Config.Log.Format.TEXT, context);

        context.getLogger("facteur").info("Facteur started as {}", "mx.example.test");

        assertThat(lines()).containsExactly("INFO  facteur: Facteur started as mx.example.test");
    }
}
