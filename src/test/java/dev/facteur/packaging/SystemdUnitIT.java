package dev.facteur.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.testing.ExternalProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code packaging/systemd/facteur.service} as systemd reads it, without a running systemd:
 * {@code systemd-analyze verify} (syntax, dependencies, the programs it runs) and
 * {@code systemd-analyze security --offline} (how much of the system the service can reach).
 */
class SystemdUnitIT {

    /** systemd's scale runs from 0 (locked down) to 10 (unprotected); "OK" ends at 4.9. Ours is held to 2. */
    private static final double MAX_EXPOSURE = 2.0;

    private static final Pattern OVERALL = Pattern.compile("Overall exposure level for facteur\\.service: (\\d+\\.\\d+) ");

    @TempDir
    Path dir;

    @Test
    void verifyHasNothingToSayAboutTheInstalledUnit() throws Exception {
        Path stage = Staging.stage(dir.resolve("stage"));
        // the unit as installed, its ExecStart= pointing at the staged command: verify checks that it is there and executable
        String installed = Files.readString(stage.resolve("usr/lib/systemd/system/facteur.service"));
        assertThat(installed).contains("ExecStart=/usr/bin/facteur serve --config /etc/facteur/facteur.toml");
        Path unit = Files.writeString(Files.createDirectories(dir.resolve("unit")).resolve("facteur.service"),
                installed.replace("/usr/bin/facteur", stage.resolve("usr/bin/facteur").toString()));

        var r = ExternalProcess.run(List.of("systemd-analyze", "verify", "--man=no", unit.toString()));

        assertThat(r.exitCode()).as(r.toString()).isZero();
        // verify exits 0 on a setting it ignores ("Unknown key", "Failed to parse"): any word about our unit is a failure.
        // (It may talk about the host's own units, which it loads as dependencies.)
        assertThat((r.stdout() + r.stderr()).lines().filter(l -> l.contains("facteur"))).as(r.toString()).isEmpty();
    }

    @Test
    void theSandboxLeavesAnExposureOfTwoAtMost() throws Exception {
        var r = ExternalProcess.run(List.of("systemd-analyze", "security", "--offline=true", "--no-pager",
                Staging.PACKAGING.resolve("systemd/facteur.service").toString()));

        assertThat(r.exitCode()).as(r.toString()).isZero();
        Matcher m = OVERALL.matcher(r.stdout());
        assertThat(m.find()).as("the overall exposure level in:\n" + r).isTrue();
        assertThat(Double.parseDouble(m.group(1))).as(r.stdout()).isLessThanOrEqualTo(MAX_EXPOSURE);
        // what is left open, on purpose: an MTA talks to the Internet, binds port 25, and the JIT writes code
        assertThat(r.stdout()).containsPattern("✓ User=/DynamicUser=\\s+Service runs under a static non-root user identity")
                .containsPattern("✓ CapabilityBoundingSet=~CAP_SYS_ADMIN")
                .containsPattern("✗ MemoryDenyWriteExecute=");
    }
}
