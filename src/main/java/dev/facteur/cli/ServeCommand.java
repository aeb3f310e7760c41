package dev.facteur.cli;

import dev.facteur.config.Config;
import dev.facteur.config.ConfigException;
import dev.facteur.server.Facteur;
import java.io.IOException;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import ch.qos.logback.classic.LoggerContext;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Mixin;

@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Runs the server until it is stopped (Ctrl-C or SIGTERM: a graceful shutdown).",
                "SIGHUP (or facteur reload) has it read its configuration file again.",
                "Without --config it uses the embedded defaults: SMTP on 127.0.0.1:2525, data under ./data."})
final class ServeCommand implements Callable<Integer> {

    @Mixin
    ConfigOption config;

    @Override
    public Integer call() throws IOException, InterruptedException {
        Config c;
        try {
            c = config.load();
        } catch (ConfigException e) {
            System.err.println("facteur: configuration error: " + e.getMessage());
            return 2;
        }
        LogFormat.use(c.log().format());
        Facteur f;
        try {
            f = Facteur.start(c);
        } catch (IOException e) {
            System.err.println("facteur: cannot start: " + e.getMessage());
            return 1;
        }
        Hangup.onSignal(f::reload); // the outcome is logged; facteur reload also gets it over the admin interface
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                f.close();
            } catch (IOException e) {
                System.err.println("facteur: error while stopping: " + e.getMessage());
            }
            stopped.countDown();
            // The log is written by a background thread: let it finish before the JVM exits.
            if (LoggerFactory.getILoggerFactory() instanceof LoggerContext lc) lc.stop();
        }, "shutdown"));
        stopped.await();
        return 0;
    }
}
