package dev.facteur.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.cli.Main;
import dev.facteur.testing.ExternalProcess;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;

/**
 * {@code packaging/install.sh} run by a test: the build it installs ({@code facteur.jar} and
 * {@code lib/}, as {@code mvn package} leaves them in {@code target/}) is made from this JVM's
 * class path, since {@code mvn test} runs before {@code package}. The libraries are every jar of
 * the class path, the tests' own included: more than a package holds, which costs some copying
 * and changes nothing to how Facteur runs.
 */
final class Staging {

    /** Where the tests find the packaging files: the checkout (Maven runs the tests there). */
    static final Path PACKAGING = Path.of("packaging").toAbsolutePath();
    static final Path INSTALL = PACKAGING.resolve("install.sh");

    private static Path build;

    private Staging() {}

    /** A build as {@code target/} holds it after {@code mvn package}: made once per JVM, removed at its end. */
    static synchronized Path build() throws IOException {
        if (build != null) return build;
        Path dir = Files.createTempDirectory("facteur-build");
        Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(dir), "delete-facteur-build"));
        Path classes = mainClasses();
        try (OutputStream out = Files.newOutputStream(dir.resolve("facteur.jar"));
                JarOutputStream jar = new JarOutputStream(out);
                Stream<Path> files = Files.walk(classes)) {
            for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
                jar.putNextEntry(new JarEntry(classes.relativize(f).toString().replace('\\', '/')));
                Files.copy(f, jar);
                jar.closeEntry();
            }
        }
        Path lib = Files.createDirectories(dir.resolve("lib"));
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            Path p = Path.of(entry);
            if (entry.endsWith(".jar") && Files.isRegularFile(p)) Files.copy(p, lib.resolve(p.getFileName()));
        }
        build = dir;
        return dir;
    }

    /** Runs {@code install.sh ARGS} (the build's {@code --from} added) and fails the test unless it succeeds. */
    static ExternalProcess.Result install(String... args) throws IOException, InterruptedException {
        var r = run(args);
        assertThat(r.exitCode()).as(r.toString()).isZero();
        return r;
    }

    /** Runs {@code install.sh ARGS} (the build's {@code --from} added): its exit status and what it said. */
    static ExternalProcess.Result run(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("/bin/bash", INSTALL.toString(), "--from", build().toString()));
        command.addAll(List.of(args));
        return ExternalProcess.run(command);
    }

    /** Stages the files in {@code destdir}, as a package build does. */
    static Path stage(Path destdir) throws IOException, InterruptedException {
        install("--destdir", destdir.toString());
        return destdir;
    }

    /**
     * {@code /usr/bin/env NAME=VALUE... COMMAND...}: a command with more environment, for
     * {@link ExternalProcess} and {@code Daemon}, which take the test JVM's. {@code JAVA_HOME}
     * is this JVM's, so that the installed command runs on the same Java as the tests.
     */
    static List<String> withEnv(List<String> env, List<String> command) {
        List<String> all = new ArrayList<>(List.of("/usr/bin/env", "JAVA_HOME=" + System.getProperty("java.home")));
        all.addAll(env);
        all.addAll(command);
        return all;
    }

    /** Whether the tests run as root (the system install, the low ports, setpriv). */
    static boolean root() {
        return "root".equals(System.getProperty("user.name"));
    }

    /** Lets any user through {@code dir} (a JUnit temp dir is 0700): an unprivileged user runs what is in it. */
    static void openToAll(Path dir) throws IOException {
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    private static Path mainClasses() {
        try {
            return Path.of(Main.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
