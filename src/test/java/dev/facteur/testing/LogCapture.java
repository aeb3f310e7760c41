package dev.facteur.testing;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import org.slf4j.LoggerFactory;

/**
 * What one of Facteur's loggers ({@code facteur.delivery}, {@code facteur.routing}, ...) says
 * while a test runs, as an operator would read it: each event's formatted message.
 */
public final class LogCapture extends AppenderBase<ILoggingEvent> implements AutoCloseable {

    private final Logger logger;
    private final Predicate<String> about;
    private final List<ILoggingEvent> events = new CopyOnWriteArrayList<>();

    private LogCapture(Logger logger, Predicate<String> about) {
        this.logger = logger;
        this.about = about;
    }

    /** Starts capturing {@code loggerName}'s events (and its children's) until {@link #close()}. */
    public static LogCapture attach(String loggerName) {
        return attach(loggerName, m -> true);
    }

    /** As {@link #attach(String)}, keeping only the messages {@code about} accepts (those about one file, say). */
    public static LogCapture attach(String loggerName, Predicate<String> about) {
        var capture = new LogCapture((Logger) LoggerFactory.getLogger(loggerName), about);
        capture.setContext((LoggerContext) LoggerFactory.getILoggerFactory());
        capture.start();
        capture.logger.addAppender(capture);
        return capture;
    }

    @Override
    protected void append(ILoggingEvent e) {
        if (about.test(e.getFormattedMessage())) events.add(e);
    }

    /** Every message so far, oldest first. */
    public List<String> messages() {
        return events.stream().map(ILoggingEvent::getFormattedMessage).toList();
    }

    /**
     * Every line so far as {@code bin/facteur serve} writes it: formatted with the pattern of the
     * main {@code logback.xml}, the one an operator's tools (fail2ban) read.
     */
    public List<String> linesAsServed() {
        String config;
        try (var in = LogCapture.class.getResourceAsStream("/logback.xml")) {
            config = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        } catch (java.io.IOException | NullPointerException e) {
            throw new IllegalStateException("the main logback.xml is not on the class path", e);
        }
        var m = java.util.regex.Pattern.compile("<pattern>(.*?)</pattern>").matcher(config);
        if (!m.find()) throw new IllegalStateException("no <pattern> in the main logback.xml");
        var layout = new ch.qos.logback.classic.PatternLayout();
        layout.setContext((LoggerContext) LoggerFactory.getILoggerFactory());
        layout.setPattern(m.group(1));
        layout.start();
        return events.stream().map(layout::doLayout).toList();
    }

    /** The messages at {@code level}. */
    public List<String> messages(Level level) {
        return events.stream().filter(e -> e.getLevel() == level).map(ILoggingEvent::getFormattedMessage).toList();
    }

    public List<String> errors() {
        return messages(Level.ERROR);
    }

    public List<String> warnings() {
        return messages(Level.WARN);
    }

    /** The messages at WARN or ERROR. */
    public List<String> problems() {
        return events.stream().filter(e -> e.getLevel().isGreaterOrEqual(Level.WARN)).map(ILoggingEvent::getFormattedMessage).toList();
    }

    public List<String> infos() {
        return messages(Level.INFO);
    }

    /** Waits until at least {@code n} messages match, and returns those that do. */
    public List<String> await(String what, Predicate<String> matching, int n) {
        return Patience.await(n + " log lines: " + what)
                .until(() -> messages().stream().filter(matching).toList(), l -> l.size() >= n);
    }

    @Override
    public void close() {
        logger.detachAppender(this);
        stop();
    }
}
