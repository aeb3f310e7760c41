package dev.facteur.cli;

import dev.facteur.config.Config;
import dev.facteur.config.ConfigException;
import dev.facteur.config.ConfigLoader;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The {@code --config FILE} option shared by every command that needs the configuration. */
final class ConfigOption {

    @Option(names = {"-c", "--config"}, paramLabel = "FILE",
            description = "TOML configuration file (default: the embedded defaults).")
    Path file;

    Config load() throws ConfigException {
        return file == null ? ConfigLoader.defaults() : ConfigLoader.load(file);
    }
}
