package dev.facteur.it;

import dev.facteur.config.Config;
import dev.facteur.config.ConfigException;
import dev.facteur.config.ConfigLoader;
import java.nio.file.Path;

/** TOML configurations for servers under test: loopback only, data under a test's own directory. */
final class TestConfig {

    static final String HOSTNAME = "mx.facteur.test";

    private TestConfig() {}

    /**
     * A receiver under test: delivery is off (these tests look at what was received), and the
     * admin interface takes any free port.
     *
     * @param listen     e.g. {@code 127.0.0.1:0} for any free port
     * @param smtpKeys   extra lines for the [smtp] table, or ""
     * @param moreTables further tables ([relay], [local], [tls]), or ""
     */
    static String toml(Path dataDir, String listen, String smtpKeys, String moreTables) {
        return """
                hostname = "%s"
                data_dir = '%s'
                [smtp]
                listen = ["%s"]
                %s
                %s
                [delivery]
                enabled = false
                [admin]
                listen = "127.0.0.1:0"
                """.formatted(HOSTNAME, dataDir.toAbsolutePath(), listen, smtpKeys, moreTables);
    }

    static Config parse(String toml) throws ConfigException {
        return ConfigLoader.parse(toml, "test config");
    }
}
