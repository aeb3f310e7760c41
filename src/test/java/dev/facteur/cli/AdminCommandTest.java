package dev.facteur.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.admin.TokenFile;
import dev.facteur.testing.FacteurCli;
import dev.facteur.testing.TestConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code facteur admin add-token}: a new token on stdout (for a script to catch), its line in the file. */
class AdminCommandTest {

    @TempDir
    Path dir;

    @Test
    void addTokenPrintsTheTokenItWrote() throws Exception {
        Path config = TestConfig.in(dir.resolve("data")).writeTo(dir.resolve("facteur.toml"));

        var run = FacteurCli.run("admin", "add-token", "--read-only", "--note", "the dashboard", "-c", config.toString());

        assertThat(run.exitCode()).as(run.toString()).isZero();
        String token = run.stdout().strip();
        assertThat(token).matches("[A-Za-z0-9_-]{43}");
        assertThat(Files.readString(dir.resolve("data/admin.token"))).contains(token + " read  # the dashboard\n");
        assertThat(run.stderr()).contains("read only", "facteur reload");

        var second = FacteurCli.run("admin", "add-token", "-c", config.toString());
        assertThat(second.exitCode()).isZero();
        assertThat(TokenFile.clientToken(dir.resolve("data/admin.token"))).as("the operate one").isEqualTo(second.stdout().strip());
    }

    @Test
    void helpSaysWhatItDoes() {
        var run = FacteurCli.run("admin", "add-token", "--help");
        assertThat(run.exitCode()).isZero();
        assertThat(run.stdout()).contains("--read-only", "--note", "--config", "token_file");
    }
}
