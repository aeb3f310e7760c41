package dev.facteur.packaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.facteur.net.HostPort;
import dev.facteur.server.Facteur;
import dev.facteur.testing.ExternalProcess;
import dev.facteur.testing.TestConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code packaging/install.sh}: the Debian layout, run again as an upgrade, and the command it installs. */
class InstallScriptIT {

    @TempDir
    Path dir;

    @Test
    void stagesTheDebianLayoutWithItsModes() throws Exception {
        Path stage = dir.resolve("stage");
        var r = Staging.install("--destdir", stage.toString());

        Map<String, String> tree = modes(stage);
        assertThat(tree).containsAllEntriesOf(Map.ofEntries(
                Map.entry("usr/bin/facteur", "rwxr-xr-x"),
                Map.entry("usr/lib/facteur/facteur.jar", "rw-r--r--"),
                Map.entry("usr/lib/systemd/system/facteur.service", "rw-r--r--"),
                Map.entry("usr/lib/sysusers.d/facteur.conf", "rw-r--r--"),
                Map.entry("usr/lib/tmpfiles.d/facteur.conf", "rw-r--r--"),
                Map.entry("usr/share/doc/facteur/README.md", "rw-r--r--"),
                Map.entry("usr/share/doc/facteur/examples/facteur.toml", "rw-r--r--"),
                Map.entry("usr/share/doc/facteur/examples/prometheus/facteur-alerts.yml", "rw-r--r--"),
                Map.entry("etc/facteur", "rwxr-xr-x"),              // root's; readable by all, as sendmail needs
                Map.entry("etc/facteur/facteur.toml", "rw-r--r--"),
                Map.entry("etc/default/facteur", "rw-r--r--"),
                Map.entry("var/spool/facteur", "rwxr-x---")));        // facteur's alone (the postinst sets the owner)
        assertThat(tree).containsKey("usr/lib/facteur/lib/picocli-4.7.7.jar");
        assertThat(Files.readSymbolicLink(stage.resolve("usr/sbin/sendmail"))).isEqualTo(Path.of("../bin/facteur"));
        assertThat(stage.resolve("usr/lib/systemd/system/facteur.service")).hasSameTextualContentAs(
                Staging.PACKAGING.resolve("systemd/facteur.service"));
        assertThat(r.stdout()).contains("the package's postinst creates the user facteur");
    }

    @Test
    void runningItAgainChangesNothingAndKeepsTheOperatorsConfiguration() throws Exception {
        Path stage = Staging.stage(dir.resolve("stage"));
        Path config = stage.resolve("etc/facteur/facteur.toml");
        Files.writeString(config, Files.readString(config).replace("# hostname = \"mail.example.org\"", "hostname = \"mx.example.org\""));
        Map<String, String> before = contents(stage);

        var again = Staging.install("--destdir", stage.toString());

        assertThat(contents(stage)).isEqualTo(before);
        assertThat(again.stdout()).contains("kept /etc/facteur/facteur.toml as it is (the shipped one: "
                + "/usr/share/doc/facteur/examples/facteur.toml)");
    }

    @Test
    void anUpgradeRenamesNewFilesIntoPlaceAndDropsLibrariesNoLongerShipped() throws Exception {
        Path stage = Staging.stage(dir.resolve("stage"));
        Path stale = Files.writeString(stage.resolve("usr/lib/facteur/lib/dropped-1.0.jar"), "a library the new version no longer uses");
        Path jar = stage.resolve("usr/lib/facteur/facteur.jar");
        Object inode = Files.getAttribute(jar, "unix:ino");
        Path newer = dir.resolve("newer");
        Files.createDirectories(newer.resolve("lib"));
        try (Stream<Path> libs = Files.list(Staging.build().resolve("lib"))) {
            for (Path l : libs.toList()) Files.createLink(newer.resolve("lib").resolve(l.getFileName()), l);
        }
        byte[] newJar = Files.readAllBytes(Staging.build().resolve("facteur.jar"));
        newJar[newJar.length - 1] ^= 1; // another build
        Files.write(newer.resolve("facteur.jar"), newJar);

        Staging.install("--destdir", stage.toString(), "--from", newer.toString());

        assertThat(stale).doesNotExist();
        assertThat(jar).hasBinaryContent(newJar);
        // a new file, not the old one rewritten: a running JVM goes on reading the jar it opened
        assertThat(Files.getAttribute(jar, "unix:ino")).isNotEqualTo(inode);
    }

    @Test
    void intoAnotherRootItCreatesTheUserAndGivesItTheSpool() throws Exception {
        assumeTrue(Staging.root(), "only root sets owners");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/systemd-sysusers")), "systemd-sysusers (package systemd) is missing");
        Path root = dir.resolve("root");
        Files.createDirectories(root.resolve("etc"));

        Staging.install("--root", root.toString());

        List<String> users = Files.readAllLines(root.resolve("etc/passwd")).stream().filter(l -> l.startsWith("facteur:")).toList();
        assertThat(users).singleElement().asString().matches("facteur:x:\\d+:\\d+:Facteur mail transfer agent:/var/spool/facteur:/usr/sbin/nologin");
        String[] f = users.getFirst().split(":");
        Path spool = root.resolve("var/spool/facteur");
        assertThat(Files.getAttribute(spool, "unix:uid")).isEqualTo(Integer.parseInt(f[2]));
        assertThat(Files.getAttribute(spool, "unix:gid")).isEqualTo(Integer.parseInt(f[3]));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(spool))).isEqualTo("rwxr-x---");
        assertThat(Files.getAttribute(root.resolve("etc/facteur/facteur.toml"), "unix:uid")).isEqualTo(0);

        String passwd = Files.readString(root.resolve("etc/passwd"));
        Staging.install("--root", root.toString());
        assertThat(root.resolve("etc/passwd")).hasContent(passwd);
    }

    @Test
    void theCommandReadsTheSystemConfigurationAndAnswersToTheNameSendmail() throws Exception {
        TestConfig server = TestConfig.in(dir.resolve("data")).dns(new HostPort("127.0.0.1", 9));
        Path config = server.writeTo(dir.resolve("facteur.toml"));
        Path stage = Staging.stage(dir.resolve("stage"));
        Path sendmail = Files.createSymbolicLink(Files.createDirectories(dir.resolve("sbin")).resolve("sendmail"),
                stage.resolve("usr/bin/facteur"));
        Path message = Files.writeString(dir.resolve("message"), "To: alice@example.org\nSubject: backup done\n\nAll went well.\n");
        List<String> env = List.of("FACTEUR_CONFIG=" + config); // stands for /etc/facteur/facteur.toml
        try (Facteur facteur = server.start()) {
            var sent = ExternalProcess.run(withInput(message, Staging.withEnv(env, List.of(sendmail.toString(), "-t", "-i"))));
            assertThat(sent.exitCode()).as(sent.toString()).isZero();
            assertThat(facteur.spool().messages()).hasSize(1);
            String id = facteur.spool().messages().getFirst().envelope().id().toString();

            var list = ExternalProcess.run(Staging.withEnv(env, List.of(stage.resolve("usr/bin/facteur").toString(), "queue", "list")));
            assertThat(list.stdout()).as(list.toString()).contains(id).contains("alice@example.org");
        }
        var version = ExternalProcess.run(Staging.withEnv(env, List.of(stage.resolve("usr/bin/facteur").toString(), "--version")));
        assertThat(version.stdout()).as(version.toString()).startsWith("Facteur ");
    }

    /** {@code COMMAND < file}: ExternalProcess gives a command no input. */
    private static List<String> withInput(Path file, List<String> command) {
        List<String> all = new ArrayList<>(List.of("/usr/bin/env", "INPUT=" + file, "/bin/sh", "-c", "exec \"$@\" < \"$INPUT\"", "sh"));
        all.addAll(command);
        return all;
    }

    /** Every file, directory and link under {@code top} with its permissions ({@code ->target} for a link). */
    private static Map<String, String> modes(Path top) throws IOException {
        Map<String, String> all = new TreeMap<>();
        try (Stream<Path> files = Files.walk(top)) {
            for (Path p : files.skip(1).toList()) {
                String name = top.relativize(p).toString();
                all.put(name, Files.isSymbolicLink(p) ? "->" + Files.readSymbolicLink(p)
                        : PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS)));
            }
        }
        return all;
    }

    /** {@link #modes} with each file's digest and modification time: whether a run changed anything. */
    private static Map<String, String> contents(Path top) throws Exception {
        Map<String, String> all = modes(top);
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        for (var e : all.entrySet()) {
            Path p = top.resolve(e.getKey());
            if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS))
                e.setValue(e.getValue() + " " + HexFormat.of().formatHex(sha.digest(Files.readAllBytes(p))) + " "
                        + Files.getLastModifiedTime(p) + " " + Files.getAttribute(p, "unix:ino"));
        }
        return all;
    }
}
