package dev.facteur.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.net.HostPort;
import dev.facteur.testing.FacteurCli;
import dev.facteur.testing.TestConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code facteur serve} as an operator starts it, in its own JVM. */
class ServeCommandIT {

    @TempDir
    Path dir;

    @Test
    void anAdminTokenFileOtherUsersCanReadStopsTheStartAndSaysWhy() throws Exception {
        Path token = dir.resolve("admin.token");
        Files.writeString(token, "0123456789abcdefghijklmnopqrstuvwxyzABCDEFG\n");
        Files.setPosixFilePermissions(token, PosixFilePermissions.fromString("rw-r--r--"));
        Path config = TestConfig.in(dir.resolve("data")).dns(new HostPort("127.0.0.1", 9)).delivery(Map.of())
                .adminKeys("token_file = '" + token + "'").writeTo(dir.resolve("facteur.toml"));

        var serve = FacteurCli.jvm("serve", "--config", config.toString());

        assertThat(serve.exitCode()).as(serve.toString()).isEqualTo(1);
        assertThat(serve.stderr()).as(serve.toString()).contains("facteur: cannot start: " + token
                + ": mode 0644 (rw-r--r--) lets other users read or change the admin token; it must be readable by Facteur's user only: chmod 600 " + token);
    }
}
