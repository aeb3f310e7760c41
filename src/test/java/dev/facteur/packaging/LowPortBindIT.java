package dev.facteur.packaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.facteur.net.HostPort;
import dev.facteur.testing.Daemon;
import dev.facteur.testing.ExternalProcess;
import dev.facteur.testing.Loopback;
import dev.facteur.testing.TestConfig;
import dev.facteur.testing.WireClient;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Port 25 without root, as facteur.service runs it: the installed command started by root through
 * {@code setpriv} as an unprivileged user, with the unit's one capability (ambient
 * CAP_NET_BIND_SERVICE, the same bounding set, no new privileges), and then without it.
 */
class LowPortBindIT {

    /** nobody: a user without rights, on every Debian system. */
    private static final int NOBODY = 65534;

    @TempDir
    Path dir;
    private Path facteur;
    private String host;
    private Path config;

    @BeforeEach
    void installAndConfigure() throws Exception {
        assumeTrue(Staging.root(), "only root can start a process as another user");
        Staging.openToAll(dir);
        facteur = Staging.stage(dir.resolve("stage")).resolve("usr/bin/facteur");
        Path data = Files.createDirectories(dir.resolve("data")); // the spool: the service user's alone, as the unit has it
        Files.setAttribute(data, "unix:uid", NOBODY);
        Files.setAttribute(data, "unix:gid", NOBODY);
        Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwxr-x---"));
        host = Loopback.host();
        config = TestConfig.in(data).listen(host + ":25").dns(new HostPort("127.0.0.1", 9)).writeTo(dir.resolve("facteur.toml"));
    }

    @Test
    void anUnprivilegedUserWithTheUnitsCapabilityListensOnPort25() throws Exception {
        var smtp = new InetSocketAddress(host, 25);
        try (Daemon server = Daemon.start("facteur serve as nobody", asNobody(true), dir.resolve("facteur.log"),
                self -> self.listensOn(smtp, true));
                WireClient client = WireClient.connect(smtp)) {
            assertThat(client.read().code()).isEqualTo(220);
            assertThat(Files.readString(Path.of("/proc", Long.toString(server.pid()), "status")))
                    .containsPattern("Uid:\\s+" + NOBODY + "\\s").containsPattern("CapAmb:\\s+0000000000000400"); // bit 10: CAP_NET_BIND_SERVICE
        }
    }

    @Test
    void withoutTheCapabilityTheStartFailsAndSaysWhichPort() throws Exception {
        assumeTrue(unprivilegedPortStart() > 25, "this system lets every user bind port 25 (net.ipv4.ip_unprivileged_port_start)");

        var r = ExternalProcess.run(asNobody(false));

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
        assertThat(r.stderr()).as(r.toString()).contains("facteur: cannot start: cannot listen on " + host + ":25: Permission denied");
    }

    /** {@code facteur serve} as nobody, given the unit's capability or not. */
    private List<String> asNobody(boolean capability) {
        List<String> command = new ArrayList<>(List.of("/usr/bin/setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY, "--clear-groups"));
        if (capability) command.addAll(List.of("--inh-caps=-all,+net_bind_service", "--ambient-caps=-all,+net_bind_service",
                "--bounding-set=-all,+net_bind_service", "--no-new-privs"));
        command.add("--");
        command.addAll(Staging.withEnv(List.of(), List.of(facteur.toString(), "serve", "--config", config.toString())));
        return command;
    }

    /** The first port any user may bind (1024 unless lowered; containers often set 0). */
    private static int unprivilegedPortStart() throws IOException {
        // one read: a sysctl file answers only a read at offset 0, and Files.readString asks for one byte first
        return Integer.parseInt(Files.readAllLines(Path.of("/proc/sys/net/ipv4/ip_unprivileged_port_start")).getFirst().strip());
    }
}
