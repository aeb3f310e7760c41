package dev.facteur.cli;

import dev.facteur.config.CheckedConfig;
import dev.facteur.config.ConfigLoader;
import dev.facteur.config.ConfigProblem;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code facteur check-config}: the configuration judged as {@code serve} and a reload judge it,
 * without starting anything (Postfix's {@code postfix check}); before a reload or a restart.
 */
@Command(name = "check-config", mixinStandardHelpOptions = true,
        description = {"Checks a configuration file without starting the server (as postfix check):",
                "its syntax and values, up to the first error; then the files it names, read",
                "as a start reads them: certificates and their keys (each key must be its",
                "certificate's), users, aliases, canonical and transport tables, CA files,",
                "secrets, the admin token file, the data directory. Ports, Redis, milters",
                "and DNS are not tried. Run it as the user Facteur runs as.",
                "Prints \"FILE: OK\", or each problem as FILE:LINE: KEY: MESSAGE on stderr."},
        exitCodeListHeading = "Exit status:%n",
        exitCodeList = {"0:the configuration is valid", "1:a problem was found", "2:bad options"})
final class CheckConfigCommand implements Callable<Integer> {

    @Mixin
    ConfigOption config;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        CheckedConfig checked = config.file == null ? ConfigLoader.checkDefaults() : ConfigLoader.check(config.file);
        switch (checked) {
            case CheckedConfig.Valid valid -> {
                spec.commandLine().getOut().println(valid.config().source() + ": OK");
                return 0;
            }
            case CheckedConfig.Invalid invalid -> {
                for (ConfigProblem p : invalid.problems()) spec.commandLine().getErr().println(p);
                return 1;
            }
        }
    }
}
