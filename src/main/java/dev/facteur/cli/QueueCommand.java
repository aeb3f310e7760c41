package dev.facteur.cli;

import dev.facteur.admin.QueueListing;
import dev.facteur.message.Envelope;
import dev.facteur.message.QueueId;
import dev.facteur.message.Recipient;
import dev.facteur.spool.LogSpool;
import dev.facteur.spool.StoredMessage;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.Writer;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import tools.jackson.databind.JsonNode;

@Command(name = "queue", mixinStandardHelpOptions = true,
        description = "Looks at the queue (list, show read the spool) and operates the running server's queue.",
        subcommands = {QueueCommand.ListCommand.class, QueueCommand.ShowCommand.class, QueueCommand.FlushCommand.class,
                QueueCommand.HoldCommand.class, QueueCommand.ReleaseCommand.class, QueueCommand.DeleteCommand.class,
                QueueCommand.BounceCommand.class})
final class QueueCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss", Locale.ROOT).withZone(ZoneId.systemDefault());

    static LogSpool open(ConfigOption config) throws Exception {
        Path dir = config.load().spoolDir();
        if (!Files.isDirectory(dir)) throw new IllegalStateException("no spool at " + dir.toAbsolutePath());
        return LogSpool.openReadOnly(dir);
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "Lists queued messages with their recipients' state, oldest first.")
    static final class ListCommand implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        ConfigOption config;

        @Option(names = "--json", description = "An array of messages, for scripts.")
        boolean json;

        @Option(names = "--spool", description = "Read the spool even when the server runs (by default the running server lists "
                + "its queue from memory, which is faster; the spool is read when no server answers).")
        boolean spoolOnly;

        @Override
        public Integer call() throws Exception {
            if (!spoolOnly) {
                try (InputStream fromServer = AdminClient.streamIfRunning(config, "/api/queue/export", json ? "format=json" : "")) {
                    if (fromServer != null) {
                        copy(fromServer, spec.commandLine().getOut());
                        return 0;
                    }
                }
            }
            List<StoredMessage> all;
            try (LogSpool spool = open(config)) {
                all = spool.messages();
            }
            // picocli's writer flushes at every line; a million messages want one buffer
            Writer out = new BufferedWriter(spec.commandLine().getOut(), 1 << 16);
            QueueListing listing = new QueueListing(out);
            if (json) listing.json(all);
            else listing.text(all);
            out.flush();
            return 0;
        }
    }

    /** The server's listing, as it comes: UTF-8 text, to the command's output. */
    private static void copy(InputStream in, PrintWriter out) throws IOException {
        var reader = new InputStreamReader(in, StandardCharsets.UTF_8);
        char[] buf = new char[1 << 16];
        for (int n; (n = reader.read(buf)) >= 0; ) out.write(buf, 0, n);
        out.flush();
    }

    @Command(name = "show", mixinStandardHelpOptions = true,
            description = "Shows one message: its envelope, then its content as stored.")
    static final class ShowCommand implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        ConfigOption config;

        @Parameters(paramLabel = "ID", description = "The queue id.")
        String id;

        @Option(names = "--envelope-only", description = "Do not print the content.")
        boolean envelopeOnly;

        @Override
        public Integer call() throws Exception {
            QueueId qid = validId(spec, id);
            if (qid == null) return 2;
            try (LogSpool spool = open(config)) {
                var found = spool.find(qid);
                if (found.isEmpty()) {
                    spec.commandLine().getErr().println("facteur: no message " + id + " in the queue");
                    return 1;
                }
                Envelope e = found.get().envelope();
                PrintWriter out = spec.commandLine().getOut();
                out.println("Queue-Id: " + e.id());
                out.println("Arrival: " + TIME.format(e.arrival()));
                out.println("Size: " + found.get().size());
                out.println("Sender: <" + e.sender() + ">");
                out.println("Client: " + e.client().helo() + " [" + e.client().address() + "] " + e.client().protocol()
                        + (e.client().tls().isEmpty() ? "" : " " + e.client().tls()));
                out.println("Body: " + e.body().keyword() + (e.smtpUtf8() ? " SMTPUTF8" : ""));
                if (e.ret() != null) out.println("Ret: " + e.ret());
                if (e.envid() != null) out.println("Envid: " + e.envid());
                out.println("Attempts: " + e.schedule().attempts() + (e.schedule().held() ? " (held)" : "")
                        + (e.schedule().nextAttempt() == null ? "" : ", next " + TIME.format(e.schedule().nextAttempt())));
                for (Recipient r : e.recipients()) {
                    String notify = r.dsnNotify().toParameter();
                    out.println("Recipient: <" + r.address() + "> " + QueueListing.state(r)
                            + (notify == null ? "" : " NOTIFY=" + notify) + (r.orcpt() == null ? "" : " ORCPT=" + r.orcpt()));
                    if (r.diagnostic() != null)
                        out.println("  " + (r.remoteMta() == null ? "" : r.remoteMta() + " said: ") + r.diagnostic());
                }
                if (!envelopeOnly) {
                    out.println();
                    out.flush();
                    // the message is bytes, not text: it goes to stdout exactly as stored, which a Writer cannot do
                    try (InputStream in = spool.openContent(qid)) {
                        in.transferTo(System.out);
                    }
                    System.out.flush();
                }
            }
            return 0;
        }
    }

    /**
     * Sends one command to the running server's admin interface, with the token from the file the
     * server reads, and prints its answer.
     */
    static int admin(CommandSpec spec, ConfigOption config, String verb, String query) throws Exception {
        return admin(spec, config, "POST", "/queue/" + verb, query);
    }

    /** As {@link #admin(CommandSpec, ConfigOption, String, String)}, for any method and path. */
    static int admin(CommandSpec spec, ConfigOption config, String method, String path, String query) throws Exception {
        JsonNode node = AdminClient.request(spec, config, method, path, query);
        if (node == null) return 1;
        String message = node.path("message").asString(node.toString());
        boolean ok = node.path("ok").asBoolean(false);
        (ok ? spec.commandLine().getOut() : spec.commandLine().getErr()).println(ok ? message : "facteur: " + message);
        return ok ? 0 : 1;
    }

    /** The id, or null after saying on stderr why it is not one. */
    static QueueId validId(CommandSpec spec, String id) {
        try {
            return QueueId.parse(id);
        } catch (IllegalArgumentException e) {
            spec.commandLine().getErr().println("facteur: " + e.getMessage());
            return null;
        }
    }

    static String idQuery(String id) {
        return "id=" + URLEncoder.encode(id, StandardCharsets.UTF_8);
    }

    @Command(name = "flush", mixinStandardHelpOptions = true,
            description = {"Asks the running server to try delivery now: one message, the messages for a domain, or all."})
    static final class FlushCommand implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        ConfigOption config;

        @Parameters(paramLabel = "ID", arity = "0..1", description = "A queue id (default: every message).")
        String id;

        @Option(names = "--domain", paramLabel = "DOMAIN", description = "Only messages with recipients in this domain.")
        String domain;

        @Override
        public Integer call() throws Exception {
            if (id != null && domain != null) {
                spec.commandLine().getErr().println("facteur: give an ID or --domain, not both");
                return 2;
            }
            String q = id != null ? idQuery(id)
                    : domain != null ? "domain=" + URLEncoder.encode(domain, StandardCharsets.UTF_8) : "";
            return admin(spec, config, "flush", q);
        }
    }

    /** The commands that take one queue id and send it to the server under their own name. */
    abstract static class OneMessageCommand implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        ConfigOption config;

        @Parameters(paramLabel = "ID", description = "The queue id.")
        String id;

        @Override
        public Integer call() throws Exception {
            if (validId(spec, id) == null) return 2;
            return admin(spec, config, getClass().getAnnotation(Command.class).name(), idQuery(id));
        }
    }

    @Command(name = "hold", mixinStandardHelpOptions = true, description = "Stops delivery attempts for a message until it is released.")
    static final class HoldCommand extends OneMessageCommand {}

    @Command(name = "release", mixinStandardHelpOptions = true, description = "Releases a held message and tries it at once.")
    static final class ReleaseCommand extends OneMessageCommand {}

    @Command(name = "delete", mixinStandardHelpOptions = true, description = "Deletes a message from the queue, telling nobody.")
    static final class DeleteCommand extends OneMessageCommand {}

    @Command(name = "bounce", mixinStandardHelpOptions = true,
            description = "Gives up on a message now: its pending recipients fail and the sender gets a DSN.")
    static final class BounceCommand extends OneMessageCommand {}
}
