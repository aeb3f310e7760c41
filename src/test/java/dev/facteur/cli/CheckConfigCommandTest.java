package dev.facteur.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.testing.FacteurCli;
import dev.facteur.testing.TestConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code facteur check-config}: as {@code postfix check}, a verdict on the configuration without a start. */
class CheckConfigCommandTest {

    @TempDir
    Path dir;

    @Test
    void aValidFileIsOkAndExitsZero() {
        Path config = TestConfig.in(dir.resolve("data")).writeTo(dir.resolve("facteur.toml"));

        var run = FacteurCli.run("check-config", "-c", config.toString());

        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(run.stdout()).isEqualTo(config + ": OK\n");
        assertThat(run.stderr()).isEmpty();
    }

    @Test
    void eachProblemIsALineWithFileLineAndKeyAndTheExitIsOne() throws Exception {
        Path config = TestConfig.in(dir.resolve("data")).tables("""
                [local]
                users_file = '%s'
                aliases_file = '%s'
                """.formatted(dir.resolve("users"), dir.resolve("aliases"))).writeTo(dir.resolve("facteur.toml"));
        int usersLine = Files.readAllLines(config).indexOf("users_file = '" + dir.resolve("users") + "'") + 1;

        var run = FacteurCli.run("check-config", "--config", config.toString());

        assertThat(run.exitCode()).as(run.toString()).isEqualTo(1);
        assertThat(run.stdout()).isEmpty();
        assertThat(run.stderr().lines()).containsExactly(
                config + ":" + usersLine + ": local.users_file: cannot read " + dir.resolve("users"),
                config + ":" + (usersLine + 1) + ": local.aliases_file: cannot read " + dir.resolve("aliases"));
    }

    @Test
    void aValueTheLoaderRefusesIsReportedTheSameWay() throws Exception {
        Path config = Files.writeString(dir.resolve("facteur.toml"), "[smtp]\nmax_recipient = 10\n");

        var run = FacteurCli.run("check-config", "-c", config.toString());

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.stderr()).isEqualTo(config + ":2: smtp.max_recipient: unknown key\n");
    }

    @Test
    void withoutAFileTheEmbeddedDefaultsAreChecked() {
        var run = FacteurCli.run("check-config");

        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(run.stdout()).isEqualTo("(embedded defaults): OK\n");
    }

    @Test
    void helpSaysWhatIsCheckedAndHowItIsTold() {
        var run = FacteurCli.run("check-config", "--help");

        assertThat(run.exitCode()).isZero();
        assertThat(run.stdout()).contains("Usage: facteur check-config", "-c, --config=FILE", "certificates and their keys",
                "FILE:LINE: KEY: MESSAGE", "1   a problem was found");
    }
}
