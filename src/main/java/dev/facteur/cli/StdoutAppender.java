package dev.facteur.cli;

import ch.qos.logback.core.OutputStreamAppender;
import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.concurrent.TimeUnit;

/**
 * The server's log on stdout, written by the thread that logs into a buffer that a daemon thread
 * flushes every {@value #FLUSH_MILLIS} ms (and when it fills, and at exit). Handing each line to
 * a writer thread (logback's AsyncAppender) costs a thread wake-up per line, more than the line
 * itself; flushing each line costs a write(2). Lines reach the operator at most that late.
 */
public final class StdoutAppender<E> extends OutputStreamAppender<E> {

    static final long FLUSH_MILLIS = 100;
    private Thread flusher;

    @Override
    public void start() {
        OutputStream stdout = new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 64 * 1024) {
            @Override
            public synchronized void flush() throws IOException { // the flusher and the loggers share it
                super.flush();
            }

            @Override
            public void close() throws IOException {
                // Stopping the appender (a command switching its log to stderr) must not close
                // file descriptor 1: the command's own output still goes there.
                flush();
            }
        };
        setImmediateFlush(false);
        setOutputStream(stdout);
        super.start();
        flusher = Thread.ofPlatform().name("log-flusher").daemon().start(() -> {
            while (isStarted()) {
                try {
                    TimeUnit.MILLISECONDS.sleep(FLUSH_MILLIS);
                    stdout.flush();
                } catch (InterruptedException e) {
                    return;
                } catch (IOException e) {
                    addError("cannot write the log to stdout", e);
                }
            }
        });
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                stdout.flush();
            } catch (IOException ignored) {
                // nowhere left to say it
            }
        }, "log-flush-at-exit"));
    }

    @Override
    public void stop() {
        super.stop(); // flushes and closes the stream
        if (flusher != null) flusher.interrupt();
    }
}
