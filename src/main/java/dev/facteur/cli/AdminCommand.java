package dev.facteur.cli;

import dev.facteur.admin.TokenFile;
import dev.facteur.config.Config;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code facteur admin}: the admin interface's own housekeeping. */
@Command(name = "admin", mixinStandardHelpOptions = true,
        description = "Manages the admin interface's tokens ([admin] token_file).",
        subcommands = AdminCommand.AddToken.class)
final class AdminCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getErr());
    }

    /**
     * {@code facteur admin add-token}: a new random token for a tool, a person or a dashboard,
     * written to the token file (created if missing) and printed once; the file is the only other
     * place it is kept.
     */
    @Command(name = "add-token", mixinStandardHelpOptions = true,
            description = {"Adds a new random token to the admin token file ([admin] token_file), creating the file "
                    + "(mode 0600) if it does not exist, and prints the token.",
                    "The running server accepts it after a reload (facteur reload, or SIGHUP) or a restart.",
                    "Run it as the user Facteur runs as, or as root: the file keeps its owner."},
            footer = {"", "Examples:", "  facteur admin add-token --read-only --note 'grafana dashboard'",
                    "  TOKEN=$(facteur admin add-token --note 'deploy script')"},
            exitCodeListHeading = "Exit status:%n",
            exitCodeList = {"0:the token was added", "1:the file could not be written, or is unsafe", "2:bad options"})
    static final class AddToken implements Callable<Integer> {

        @Mixin
        ConfigOption config;

        @Spec
        CommandSpec spec;

        @Option(names = "--read-only", description = "The token may look (GET: the queue, the history, metrics) but change nothing.")
        boolean readOnly;

        @Option(names = "--note", paramLabel = "TEXT", description = "Written after the token as a # comment: what it is for.")
        String note;

        @Override
        public Integer call() throws Exception {
            PrintWriter err = spec.commandLine().getErr();
            Config c = config.load();
            String token;
            try {
                token = TokenFile.add(c.admin().tokenFile(), readOnly, note);
            } catch (IllegalArgumentException e) {
                err.println("facteur: --note: " + e.getMessage());
                return 2;
            } catch (IOException e) {
                err.println("facteur: " + e.getMessage());
                return 1;
            }
            spec.commandLine().getOut().println(token);
            err.println("added to " + c.admin().tokenFile() + (readOnly ? " (read only)" : "")
                    + "; the running server takes it at its next reload (facteur reload)");
            return 0;
        }
    }
}
