package dev.facteur.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import org.slf4j.LoggerFactory;

/**
 * Logging for every command but {@code serve}: warnings only, on stderr, so that stdout carries
 * the command's output alone ({@code queue list --json | jq} must see JSON, not a warning about
 * a record the running server is still writing). {@code FACTEUR_LOG_LEVEL} still applies.
 */
final class ToolLogging {

    private ToolLogging() {}

    static void toStderr() {
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) return;
        context.reset(); // drops the server's appenders (stdout, through a writer thread)
        var encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern("facteur: %level %logger: %msg%n");
        encoder.start();
        var stderr = new ConsoleAppender<ILoggingEvent>();
        stderr.setContext(context);
        stderr.setName("STDERR");
        stderr.setTarget("System.err");
        stderr.setEncoder(encoder);
        stderr.start();
        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.toLevel(System.getenv("FACTEUR_LOG_LEVEL"), Level.WARN));
        root.addAppender(stderr);
    }
}
