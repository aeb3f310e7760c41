package dev.facteur.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A small tmpfs of a test's own, to fill up: a real full file system, not a simulated one.
 * mount(8) needs root (CI runs the tests as root); without it the test fails and says so, rather
 * than skip and let a full disk go untested.
 */
public final class Tmpfs implements AutoCloseable {

    private final Path at;

    private Tmpfs(Path at) {
        this.at = at;
    }

    public static Tmpfs mount(Path at, String size) throws IOException, InterruptedException {
        Files.createDirectories(at);
        String out = run("mount", "-t", "tmpfs", "-o", "size=" + size + ",mode=0700", "tmpfs", at.toString());
        if (out != null) {
            throw new AssertionError("cannot mount a " + size + " tmpfs at " + at + " (" + out + "), as user " + System.getProperty("user.name")
                    + ": the full-disk tests need a small file system of their own to fill, which takes root"
                    + " (CI runs the tests as root). Run them as root; they must not be skipped.");
        }
        return new Tmpfs(at);
    }

    public Path path() {
        return at;
    }

    /** Fills the file system with one file, to its last page; returns the file (delete it to make room). */
    public Path fill() throws IOException {
        Path filler = at.resolve("filler");
        try (var out = Files.newOutputStream(filler)) {
            byte[] block = new byte[4096];
            while (true) out.write(block);
        } catch (IOException e) {
            if (!String.valueOf(e.getMessage()).contains("No space left on device")) throw e;
        }
        return filler;
    }

    @Override
    public void close() throws IOException, InterruptedException {
        String out = run("umount", at.toString());
        if (out != null) throw new IOException("umount " + at + ": " + out);
    }

    /** Runs a command; null when it succeeded, else what it said. */
    private static String run(String... command) throws IOException, InterruptedException {
        TestKind.integrationOnly(command[0]);
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        return p.waitFor() == 0 ? null : "exit " + p.exitValue() + (out.isEmpty() ? "" : ": " + out);
    }
}
