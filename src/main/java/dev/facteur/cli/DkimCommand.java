package dev.facteur.cli;

import dev.facteur.auth.dkim.DkimKeys;
import dev.facteur.config.Config;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "dkim", mixinStandardHelpOptions = true, description = "DKIM keys.", subcommands = DkimCommand.Keygen.class)
final class DkimCommand implements Runnable {

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    @Command(name = "keygen", mixinStandardHelpOptions = true,
            description = {"Writes a new private key (mode 0600) and prints the DNS TXT record to publish for it."})
    static final class Keygen implements Callable<Integer> {
        @Mixin
        ConfigOption config;

        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Option(names = "--domain", required = true, description = "The signing domain (d=).")
        String domain;

        @Option(names = "--selector", required = true, description = "The selector (s=): the key's name under _domainkey.")
        String selector;

        @Option(names = "--algorithm", defaultValue = "rsa", description = "rsa (2048 bits, the default) or ed25519.")
        String algorithm;

        @Option(names = "--bits", defaultValue = "2048", description = "RSA key size (at least 1024; 2048 by default).")
        int bits;

        @Option(names = "--out", paramLabel = "FILE", description = "Where to write the key (default: DATA_DIR/dkim/DOMAIN.SELECTOR.key).")
        Path out;

        @Override
        public Integer call() throws Exception {
            Config c = config.load();
            Path file = out != null ? out : c.dataDir().resolve("dkim").resolve(domain + "." + selector + ".key");
            var err = spec.commandLine().getErr();
            if (Files.exists(file)) {
                err.println("facteur dkim keygen: " + file + " exists; a key in use is not replaced (choose another selector to rotate)");
                return 1;
            }
            KeyPair pair;
            try {
                pair = DkimKeys.generate(algorithm, bits);
            } catch (IllegalArgumentException e) {
                err.println("facteur dkim keygen: " + e.getMessage());
                return 2;
            }
            DkimKeys.writePrivateKey(pair, file);
            var o = spec.commandLine().getOut();
            o.println("; private key written to " + file + " (mode 0600)");
            o.println("; publish this TXT record, then sign with selector " + selector + ":");
            o.println(selector + "._domainkey." + domain + ". 3600 IN TXT ( " + String.join("\n    ", DkimKeys.strings(DkimKeys.record(pair))) + " )");
            o.println("; and add to the configuration:");
            o.println("; [[dkim.keys]]");
            o.println("; domain = \"" + domain + "\"");
            o.println("; selector = \"" + selector + "\"");
            if (out != null) o.println("; private_key = \"" + file.toAbsolutePath() + "\"");
            o.flush();
            return 0;
        }
    }
}
