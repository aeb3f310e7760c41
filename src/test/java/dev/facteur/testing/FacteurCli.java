package dev.facteur.testing;

import dev.facteur.cli.Main;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code facteur} command as an operator types it. {@link #run} runs it in this JVM (picocli,
 * its output captured), which is how most tests use it; {@link #jvm} in a JVM of its own, for what
 * only a real process shows (exit status, what goes to stdout and what to stderr); {@link #serve}
 * starts a server in a JVM of its own, to be killed.
 */
public final class FacteurCli {

    private FacteurCli() {}

    /** {@code facteur ARGS} in this JVM: its exit status and what it printed. */
    public static ExternalProcess.Result run(String... args) {
        if (List.of(args).contains("serve")) TestKind.integrationOnly("facteur serve");
        var out = new StringWriter();
        var err = new StringWriter();
        var cli = Main.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int exit = cli.execute(args);
        return new ExternalProcess.Result(exit, out.toString(), err.toString());
    }

    /** {@code facteur ARGS} in a JVM of its own, as from a shell. */
    public static ExternalProcess.Result jvm(String... args) throws IOException, InterruptedException {
        // a short-lived client: C1 only and the serial collector start fastest on a busy 2-core machine
        return ExternalProcess.run(java(List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"), args));
    }

    /**
     * {@code facteur ARGS} in a JVM of its own at the end of a shell pipe: {@code printf ... | facteur ARGS},
     * as cron or a script calls sendmail.
     */
    public static ExternalProcess.Result piped(byte[] stdin, String... args) throws IOException, InterruptedException {
        Path input = java.nio.file.Files.createTempFile("facteur-stdin", ".txt");
        try {
            java.nio.file.Files.write(input, stdin);
            var java = java(List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"), args);
            String command = "cat " + quoted(input.toString()) + " | " + String.join(" ", java.stream().map(FacteurCli::quoted).toList());
            return ExternalProcess.run(List.of("/bin/sh", "-c", command));
        } finally {
            java.nio.file.Files.deleteIfExists(input);
        }
    }

    private static String quoted(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }

    /**
     * {@code facteur serve --config CONFIG} in a JVM of its own, its log in {@code log}; returns
     * once it listens for SMTP (its configuration says port 0: the port is read from its log).
     */
    public static Server serve(Path config, Path log) throws IOException {
        var command = java(List.of("-Xmx512m"), "serve", "--config", config.toString());
        InetSocketAddress[] smtp = new InetSocketAddress[1];
        Daemon d = Daemon.start("facteur serve", command, log, self -> {
            Matcher m = LISTENING.matcher(self.log());
            if (!m.find()) return false;
            smtp[0] = new InetSocketAddress(m.group(1), Integer.parseInt(m.group(2)));
            return self.listensOn(smtp[0], true);
        });
        return new Server(d, smtp[0]);
    }

    private static final Pattern LISTENING = Pattern.compile("SMTP listening on (\\d+\\.\\d+\\.\\d+\\.\\d+):(\\d+)");

    /** A Facteur in its own JVM. */
    public record Server(Daemon process, InetSocketAddress smtp) {}

    /** Facteur's own logging configuration, a resource of the main class path. */
    static final String PRODUCTION_LOGGING = "logback.xml";

    private static List<String> java(List<String> options, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(options);
        // the production logging (src/main/resources), not the tests' logback-test.xml, which is on the
        // same class path: only the real configuration shows what an operator's facteur does with stdout
        cmd.add("-Dlogback.configurationFile=" + PRODUCTION_LOGGING);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(List.of(args));
        return cmd;
    }
}
