package dev.facteur.testing;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Reads a Maildir the way a mail reader does: Python's {@code mailbox.Maildir}. */
public final class MaildirReader {

    /** One message as Python saw it. */
    public record Message(String subject, String from, String returnPath, String deliveredTo, String body, List<String> defects) {}

    private MaildirReader() {}

    /** The messages in {@code maildir} (none when it does not exist yet), oldest name first. */
    public static List<Message> read(Path maildir) throws Exception {
        if (!Files.isDirectory(maildir.resolve("new"))) return List.of();
        var r = ExternalProcess.run(Duration.ofSeconds(20), List.of("python3", script().toString(), maildir.toString()));
        if (r.exitCode() != 0) throw new AssertionError("read_maildir.py failed: " + r);
        List<Message> out = new ArrayList<>();
        for (JsonNode m : new JsonMapper().readTree(r.stdout())) {
            List<String> defects = new ArrayList<>();
            m.get("defects").forEach(d -> defects.add(d.asString()));
            out.add(new Message(text(m, "subject"), text(m, "from"), text(m, "return_path"), text(m, "delivered_to"),
                    text(m, "body"), defects));
        }
        return out;
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? null : v.isString() ? v.asString() : v.toString();
    }

    private static Path script() throws URISyntaxException {
        return Path.of(MaildirReader.class.getResource("/it/local/read_maildir.py").toURI());
    }
}
