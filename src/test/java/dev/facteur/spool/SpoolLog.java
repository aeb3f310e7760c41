package dev.facteur.spool;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.LoggerFactory;

/** The lines facteur.spool logs about one spool (or its segments), for tests to read. */
final class SpoolLog extends AppenderBase<ILoggingEvent> implements AutoCloseable {

    private final String spool;
    private final List<ILoggingEvent> events = new CopyOnWriteArrayList<>();

    private SpoolLog(String spool) {
        this.spool = spool;
    }

    static SpoolLog attach(Path spool) {
        var log = new SpoolLog(spool.toString());
        log.setContext((LoggerContext) LoggerFactory.getILoggerFactory());
        log.start();
        logger().addAppender(log);
        return log;
    }

    private static Logger logger() {
        return (Logger) LoggerFactory.getLogger("facteur.spool");
    }

    @Override
    protected void append(ILoggingEvent e) {
        if (e.getFormattedMessage().contains(spool)) events.add(e);
    }

    List<String> errors() {
        return at(Level.ERROR);
    }

    List<String> warnings() {
        return at(Level.WARN);
    }

    /** Lines at WARN or ERROR. */
    List<String> problems() {
        return events.stream().filter(e -> e.getLevel().isGreaterOrEqual(Level.WARN)).map(ILoggingEvent::getFormattedMessage).toList();
    }

    private List<String> at(Level level) {
        return events.stream().filter(e -> e.getLevel() == level).map(ILoggingEvent::getFormattedMessage).toList();
    }

    @Override
    public void close() {
        logger().detachAppender(this);
        stop();
    }
}
