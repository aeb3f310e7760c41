package dev.facteur.cli;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.encoder.Encoder;
import dev.facteur.config.Config;
import org.slf4j.LoggerFactory;

/**
 * The server's log lines as {@code [log] format} says: text, with the pattern of logback.xml, or
 * one JSON object a line for log shippers, written by logback's own {@link JsonEncoder}:
 * {@code {"timestamp":MILLIS,"level":"INFO","threadName":"...","loggerName":"facteur.smtpd",
 * "mdc": {},"formattedMessage":"..."}}, and {@code "throwable"} with its stack when there is one.
 */
final class LogFormat {

    private LogFormat() {}

    /** Gives the appenders of the root logger (stdout) the encoder of {@code format}; text leaves logback.xml's. */
    static void use(Config.Log.Format format) {
        if (LoggerFactory.getILoggerFactory() instanceof LoggerContext context) use(format, context);
    }

    static void use(Config.Log.Format format, LoggerContext context) {
        if (format == Config.Log.Format.TEXT) return;
        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        for (var it = root.iteratorForAppenders(); it.hasNext(); ) {
            Appender<ILoggingEvent> appender = it.next();
            // before the server logs anything but on this thread: no line is written half in one format
            if (appender instanceof OutputStreamAppender<ILoggingEvent> out) {
                Encoder<ILoggingEvent> before = out.getEncoder();
                out.setEncoder(json(context));
                if (before != null) before.stop();
            }
        }
    }

    /** The operator's fields, once each: no sequence number, nanoseconds, logger context or raw pattern and arguments. */
    static JsonEncoder json(LoggerContext context) {
        var encoder = new JsonEncoder();
        encoder.setContext(context);
        encoder.setWithSequenceNumber(false);
        encoder.setWithNanoseconds(false);
        encoder.setWithContext(false);
        encoder.setWithMessage(false);
        encoder.setWithArguments(false);
        encoder.setWithFormattedMessage(true);
        encoder.start();
        return encoder;
    }
}
