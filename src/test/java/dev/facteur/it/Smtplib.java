package dev.facteur.it;

import dev.facteur.testing.ExternalProcess;
import dev.facteur.testing.WireReply;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Python's smtplib as a client: one session per call, driven by the steps below through
 * {@code it/smtplib_client.py}; returns the reply to each step.
 */
final class Smtplib {

    private static final JsonMapper JSON = new JsonMapper();

    private Smtplib() {}

    static List<WireReply> session(InetSocketAddress server, String sourceAddress, List<?>... steps) throws Exception {
        var plan = JSON.createObjectNode()
                .put("port", server.getPort())
                .put("source", sourceAddress)
                .put("helo", "client.test");
        plan.set("steps", JSON.valueToTree(List.of(steps)));
        // The plan goes in a file: big messages would not fit on a command line.
        Path planFile = Files.createTempFile("smtplib-plan", ".json");
        JsonNode result;
        try {
            Files.writeString(planFile, JSON.writeValueAsString(plan));
            result = ExternalProcess.python("/it/smtplib_client.py", "@" + planFile);
        } finally {
            Files.deleteIfExists(planFile);
        }
        List<WireReply> replies = new ArrayList<>();
        for (JsonNode r : result) replies.add(new WireReply(r.get("code").asInt(), r.get("text").asString()));
        return replies;
    }

    static List<WireReply> session(InetSocketAddress server, List<?>... steps) throws Exception {
        return session(server, "127.0.0.1", steps);
    }

    static List<?> ehlo() {
        return List.of("ehlo");
    }

    static List<?> mail(String sender, String... options) {
        return List.of("mail", sender, List.of(options));
    }

    static List<?> rcpt(String recipient, String... options) {
        return List.of("rcpt", recipient, List.of(options));
    }

    static List<?> data(String message) {
        return List.of("data", message);
    }

    static List<?> bdat(String chunk, boolean last) {
        return List.of("bdat", chunk, last);
    }

    /** smtplib's everyday API: EHLO if needed, MAIL (with SIZE= when offered), RCPT each, DATA. */
    static List<?> sendmail(String sender, List<String> recipients, String message, List<String> mailOptions) {
        return List.of("sendmail", sender, recipients, message, mailOptions, List.of());
    }

    static List<?> noop() {
        return List.of("noop");
    }

    static List<?> quit() {
        return List.of("quit");
    }
}
