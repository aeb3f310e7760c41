package dev.facteur.cli;

import dev.facteur.config.Config;
import dev.facteur.tls.SelfSigned;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "tls", mixinStandardHelpOptions = true, description = "TLS helpers.",
        subcommands = TlsCommand.SelfSignedCommand.class)
final class TlsCommand implements Runnable {

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    @Command(name = "self-signed", mixinStandardHelpOptions = true,
            description = {"Writes a self-signed certificate and key (PEM) for testing STARTTLS,",
                    "and prints the [tls] lines to put in the configuration."})
    static final class SelfSignedCommand implements Callable<Integer> {
        @Mixin
        ConfigOption config;

        @Option(names = "--out", paramLabel = "DIR", description = "Where to write cert.pem and key.pem (default: DATA_DIR/tls).")
        Path out;

        @Option(names = "--hostname", description = "Name in the certificate (default: the configured hostname).")
        String hostname;

        @Override
        public Integer call() throws Exception {
            Config c = config.load();
            Path dir = out != null ? out : c.dataDir().resolve("tls");
            var files = SelfSigned.generate(dir, hostname != null ? hostname : c.hostname());
            System.out.println("wrote " + files.certificate() + " and " + files.privateKey());
            System.out.println("add to the configuration:");
            System.out.println("[tls]");
            System.out.println("certificate = \"" + files.certificate().toAbsolutePath() + "\"");
            System.out.println("private_key = \"" + files.privateKey().toAbsolutePath() + "\"");
            return 0;
        }
    }
}
