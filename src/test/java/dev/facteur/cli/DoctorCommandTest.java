package dev.facteur.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.testing.FacteurCli;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code facteur doctor}'s command line; what it finds is DoctorIT's and the doctor package's. */
class DoctorCommandTest {

    @TempDir
    Path dir;

    @Test
    void helpSaysWhatItChecksAndWhatTheExitStatusMeans() {
        var help = FacteurCli.run("doctor", "--help");
        assertThat(help.exitCode()).isZero();
        assertThat(help.stdout()).contains("Usage: facteur doctor", "--json", "--domain=DOMAIN", "--no-color", "--config=FILE",
                "Exit status:", "0   no check failed", "1   a check failed, or the configuration does not load", "2   bad options");
        assertThat(FacteurCli.run("--help").stdout()).contains("doctor");
    }

    @Test
    void aConfigurationThatDoesNotLoadIsExitStatusOne() {
        var run = FacteurCli.run("doctor", "--config", dir.resolve("missing.toml").toString());
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.stderr()).startsWith("facteur: " + dir.resolve("missing.toml") + ": cannot read");
        assertThat(run.stdout()).isEmpty();
    }

    @Test
    void anUnknownOptionIsExitStatusTwo() {
        assertThat(FacteurCli.run("doctor", "--jsn").exitCode()).isEqualTo(2);
    }
}
