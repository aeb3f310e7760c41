package dev.facteur.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.testing.ExternalProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code facteur serve} as an operator starts it, in its own JVM. */
class ServeCommandTest {

    @TempDir
    Path dir;

    @Test
    void anAdminTokenFileOtherUsersCanReadStopsTheStartAndSaysWhy() throws Exception {
        Path token = dir.resolve("admin.token");
        Files.writeString(token, "0123456789abcdefghijklmnopqrstuvwxyzABCDEFG\n");
        Files.setPosixFilePermissions(token, PosixFilePermissions.fromString("rw-r--r--"));
        Path config = dir.resolve("facteur.toml");
        Files.writeString(config, """
                hostname = "mx.facteur.test"
                data_dir = '%s'
                [smtp]
                listen = ["127.0.0.1:0"]
                [dns]
                servers = ["127.0.0.1:9"]
                [admin]
                listen = "127.0.0.1:0"
                token_file = '%s'
                """.formatted(dir.resolve("data"), token));

        var serve = ExternalProcess.run(Duration.ofSeconds(60), List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
                "dev.facteur.cli.Main", "serve", "--config", config.toString()));

        assertThat(serve.exitCode()).as(serve.toString()).isEqualTo(1);
        assertThat(serve.stderr()).as(serve.toString()).contains("facteur: cannot start: " + token
                + ": mode 0644 (rw-r--r--) lets other users read or change the admin token; it must be readable by Facteur's user only: chmod 600 " + token);
    }
}
