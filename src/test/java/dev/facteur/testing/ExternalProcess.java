package dev.facteur.testing;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Runs a real program (swaks, smtp-source, python3, the facteur CLI) to completion. */
public final class ExternalProcess {

    /** Debian's interpreter: the Python modules the tests need (aiosmtpd) are installed for it. */
    public static final String PYTHON = "/usr/bin/python3";

    private static final JsonMapper JSON = new JsonMapper();

    public record Result(int exitCode, String stdout, String stderr) {
        @Override
        public String toString() {
            return "exit " + exitCode + "\n--- stdout:\n" + stdout + "\n--- stderr:\n" + stderr;
        }
    }

    private ExternalProcess() {}

    /** Runs {@code command} with no input and returns what it said; one that runs past {@link Patience#EVENT} fails the test. */
    public static Result run(List<String> command) throws IOException, InterruptedException {
        TestKind.integrationOnly(command.getFirst());
        Path out = Files.createTempFile("facteur-it", ".out");
        Path err = Files.createTempFile("facteur-it", ".err");
        try {
            Process p = new ProcessBuilder(command)
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile())
                    .start();
            if (!p.waitFor(Patience.EVENT.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly().waitFor();
                throw new AssertionError(command.getFirst() + " did not finish within " + Patience.EVENT.toSeconds() + " s:\n"
                        + Files.readString(out, StandardCharsets.UTF_8) + Files.readString(err, StandardCharsets.UTF_8));
            }
            return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    /**
     * Runs one of the tests' Python scripts ({@code script}: a resource such as
     * {@code /it/mime_parts.py}) and reads the JSON it prints; a script that fails fails the test.
     */
    public static JsonNode python(String script, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(PYTHON, resource(script).toString()));
        command.addAll(List.of(args));
        Result r = run(command);
        if (r.exitCode() != 0) throw new AssertionError(script + " failed: " + r);
        return JSON.readTree(r.stdout());
    }

    /** A file among the test resources. */
    public static Path resource(String name) {
        try {
            var url = ExternalProcess.class.getResource(name);
            if (url == null) throw new IllegalArgumentException("no test resource " + name);
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
