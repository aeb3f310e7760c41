package dev.facteur.events;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.testing.ExternalProcess;
import dev.facteur.testing.Patience;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;

/**
 * The receiver side as docs/events.md gives it: its Python {@code verify}, taken from the page
 * itself, accepts a request Facteur made and refuses the same request with one byte changed.
 */
class WebhookSignatureIT {

    private static final String SECRET = "whsec-2f6c1a0e9b8d4c7f";
    private static final String DRIVER = """

            import sys
            events = verify(sys.argv[1].encode(), sys.argv[2], open(sys.argv[3], "rb").read())
            print(json.dumps([e["id"] for e in events]))
            """;

    @TempDir
    Path dir;

    /** The first Python block after the heading "Verifying the signature" in docs/events.md. */
    private static String documentedVerify() throws Exception {
        String page = Files.readString(Path.of(System.getProperty("basedir", "."), "docs/events.md"));
        int section = page.indexOf("### Verifying the signature");
        int start = page.indexOf("```python\n", section) + "```python\n".length();
        assertThat(section).as("the section in docs/events.md").isPositive();
        return page.substring(start, page.indexOf("```", start));
    }

    @Test
    void theDocumentedPythonVerifiesWhatFacteurSignedAndNothingElse() throws Exception {
        Path script = dir.resolve("verify.py");
        Files.writeString(script, documentedVerify() + DRIVER);
        try (Receiver r = Receiver.accepting();
             Events events = Events.open(EventLogSettings.in(dir.resolve("events")), Optional.of(WebhookSettings.to(r.url(), SECRET)))) {
            EventLogTest.events(0, 3).forEach(events::emit);
            Patience.await("the events arrive").until(() -> r.acceptedIds().size() == 3);
            Receiver.Request request = r.requests().getFirst();
            Path body = dir.resolve("body.json");

            Files.write(body, request.body());
            var verified = ExternalProcess.run(List.of(ExternalProcess.PYTHON, script.toString(), SECRET, request.signature(), body.toString()));
            assertThat(verified.exitCode()).as(verified.toString()).isZero();
            assertThat(new JsonMapper().readValue(verified.stdout(), String[].class)).containsExactlyElementsOf(request.ids());

            Files.writeString(body, request.text().replace("rcpt0@", "rcpt9@"), StandardCharsets.UTF_8);
            var tampered = ExternalProcess.run(List.of(ExternalProcess.PYTHON, script.toString(), SECRET, request.signature(), body.toString()));
            assertThat(tampered.exitCode()).isNotZero();
            assertThat(tampered.stderr()).contains("ValueError: bad signature");
        }
    }
}
