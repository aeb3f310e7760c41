package dev.facteur.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.cli.Main;
import dev.facteur.config.Config;
import dev.facteur.config.ConfigLoader;
import dev.facteur.net.HostPort;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The packaging files agree with each other and with Facteur: the unit runs the installed command
 * on the installed configuration, may write where that configuration keeps its data, leaves the
 * JVM what it needs; the command's wrapper knows Facteur's commands. (systemd's own reading of
 * the unit: {@code SystemdUnitIT}.)
 */
class PackagingFilesTest {

    private static final Path PACKAGING = Path.of("packaging");

    @Test
    void theUnitRunsTheInstalledCommandOnTheInstalledConfigurationAsFacteursOwnUser() throws Exception {
        var unit = unit();
        assertThat(unit.get("ExecStart")).containsExactly("/usr/bin/facteur serve --config /etc/facteur/facteur.toml");
        assertThat(unit.get("User")).containsExactly("facteur");
        assertThat(unit.get("Group")).containsExactly("facteur");
        assertThat(Files.readAllLines(PACKAGING.resolve("systemd/facteur.sysusers"))).contains(
                "u facteur - \"Facteur mail transfer agent\" /var/spool/facteur /usr/sbin/nologin");
        assertThat(unit.get("ExecReload")).containsExactly("/bin/kill -HUP $MAINPID");
    }

    @Test
    void theUnitMayWriteWhereTheConfigurationKeepsItsDataAndNowhereElse() throws Exception {
        var unit = unit();
        Config config = ConfigLoader.load(PACKAGING.resolve("facteur.toml"));

        assertThat(config.dataDir()).isEqualTo(Path.of("/var/spool/facteur"));
        assertThat(unit.get("ReadWritePaths")).containsExactly(config.dataDir().toString());
        assertThat(unit.get("WorkingDirectory")).containsExactly(config.dataDir().toString());
        assertThat(unit.get("ProtectSystem")).containsExactly("strict");
        assertThat(Files.readAllLines(PACKAGING.resolve("systemd/facteur.tmpfiles"))).contains(
                "d " + config.dataDir() + " 0750 facteur facteur -");
        // the sendmail socket in the runtime directory, which every local user may enter
        assertThat(config.sendmail().socket().getParent()).isEqualTo(Path.of("/run").resolve(unit.get("RuntimeDirectory").getFirst()));
        assertThat(unit.get("RuntimeDirectoryMode")).containsExactly("0755");
        assertThat(config.smtp().listen()).containsExactly(new HostPort("127.0.0.1", 25));
        assertThat(config.admin().listen()).isEqualTo(new HostPort("127.0.0.1", 8025));
    }

    @Test
    void theSandboxLeavesTheJvmAndAnMtaWhatTheyNeed() throws Exception {
        var unit = unit();
        // the JIT writes the code it runs
        assertThat(unit.get("MemoryDenyWriteExecute")).containsExactly("no");
        // subset=pid hides /proc/net/if_inet6, and the JVM then believes there is no IPv6
        assertThat(unit).doesNotContainKey("ProcSubset");
        // ports 25, 465 and 587, and nothing more; a user namespace would cut the capability off the host's network
        assertThat(unit.get("AmbientCapabilities")).containsExactly("CAP_NET_BIND_SERVICE");
        assertThat(unit.get("CapabilityBoundingSet")).containsExactly("CAP_NET_BIND_SERVICE");
        assertThat(unit).doesNotContainKey("PrivateUsers").doesNotContainKey("DynamicUser");
        assertThat(unit.get("RestrictAddressFamilies")).containsExactly("AF_INET AF_INET6 AF_UNIX");
        // the server drains for 10 s at most after SIGTERM (the README: "10 s at most"), and the JVM then exits 143
        assertThat(Duration.ofSeconds(Long.parseLong(unit.get("TimeoutStopSec").getFirst()))).isGreaterThan(Duration.ofSeconds(10));
        assertThat(unit.get("SuccessExitStatus")).containsExactly("143");
        // facteur serve exits 2 on a configuration error: starting again will not mend the file
        assertThat(unit.get("RestartPreventExitStatus")).containsExactly("2");
        assertThat(unit.get("Restart")).containsExactly("on-failure");
        assertThat(unit.get("UMask")).containsExactly("0027");
    }

    @Test
    void theWrapperKnowsWhichCommandsHaveCommandsAndEveryOtherOneTakesConfig() throws Exception {
        Matcher m = Pattern.compile("(?m)^groups=\" (.*) \"$").matcher(Files.readString(PACKAGING.resolve("facteur")));
        assertThat(m.find()).as("the wrapper's groups= line").isTrue();
        Set<String> groups = new TreeSet<>();
        List<String> withoutConfig = new ArrayList<>();
        for (var e : Main.commandLine().getSubcommands().entrySet()) {
            if (e.getKey().equals("help")) continue;
            if (e.getValue().getSubcommands().isEmpty()) {
                if (!takesConfig(e.getValue())) withoutConfig.add(e.getKey());
                continue;
            }
            groups.add(e.getKey());
            for (var leaf : e.getValue().getSubcommands().entrySet()) {
                if (!takesConfig(leaf.getValue())) withoutConfig.add(e.getKey() + " " + leaf.getKey());
            }
        }
        assertThat(new TreeSet<>(List.of(m.group(1).split(" ")))).isEqualTo(groups);
        assertThat(withoutConfig).as("commands the wrapper would give --config").isEmpty();
    }

    private static boolean takesConfig(CommandLine command) {
        return command.getCommandSpec().findOption("--config") != null && command.getSubcommands().isEmpty();
    }

    /** The unit's {@code [Service]} settings, each with its values in order (a setting may be given twice). */
    private static Map<String, List<String>> unit() throws IOException {
        Map<String, List<String>> settings = new LinkedHashMap<>();
        boolean service = false;
        for (String line : Files.readAllLines(PACKAGING.resolve("systemd/facteur.service"))) {
            if (line.startsWith("[")) service = line.equals("[Service]");
            if (!service || line.isBlank() || line.startsWith("#") || !line.contains("=")) continue;
            int eq = line.indexOf('=');
            settings.computeIfAbsent(line.substring(0, eq), k -> new ArrayList<>()).add(line.substring(eq + 1));
        }
        return settings;
    }
}
