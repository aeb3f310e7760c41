package dev.facteur.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;

/** Reads a Maildir the way a mail reader does: Python's {@code mailbox.Maildir}. */
public final class MaildirReader {

    /** One message as Python saw it. */
    public record Message(String subject, String from, String returnPath, String deliveredTo, String body, List<String> defects) {}

    private MaildirReader() {}

    /** The messages in {@code maildir} (none when it does not exist yet), oldest name first. */
    public static List<Message> read(Path maildir) throws Exception {
        if (!Files.isDirectory(maildir.resolve("new"))) return List.of();
        List<Message> out = new ArrayList<>();
        for (JsonNode m : ExternalProcess.python("/it/local/read_maildir.py", maildir.toString())) {
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
}
