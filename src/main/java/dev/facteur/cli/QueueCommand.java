package dev.facteur.cli;

import dev.facteur.message.Envelope;
import dev.facteur.message.QueueId;
import dev.facteur.message.Recipient;
import dev.facteur.spool.LogSpool;
import dev.facteur.spool.StoredMessage;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

@Command(name = "queue", mixinStandardHelpOptions = true, description = "Looks at the messages in the spool.",
        subcommands = {QueueCommand.ListCommand.class, QueueCommand.ShowCommand.class})
final class QueueCommand implements Runnable {

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
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
        @Mixin
        ConfigOption config;

        @Option(names = "--json", description = "An array of messages, for scripts.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            List<StoredMessage> all;
            try (LogSpool spool = open(config)) {
                all = spool.messages();
            }
            PrintStream out = System.out;
            if (json) {
                JsonMapper mapper = new JsonMapper();
                ArrayNode arr = mapper.createArrayNode();
                for (StoredMessage m : all) arr.add(toJson(mapper, m));
                out.println(mapper.writerWithDefaultPrettyPrinter().writeValueAsString(arr));
                return 0;
            }
            if (all.isEmpty()) {
                out.println("Mail queue is empty");
                return 0;
            }
            out.printf("%-13s  %9s  %-19s  %s%n", "QUEUE ID", "SIZE", "ARRIVAL", "SENDER / RECIPIENTS");
            long bytes = 0;
            for (StoredMessage m : all) {
                Envelope e = m.envelope();
                bytes += m.size();
                out.printf("%-13s  %9d  %-19s  <%s>%n", e.id(), m.size(), TIME.format(e.arrival()), e.sender());
                for (Recipient r : e.recipients())
                    out.printf("%-13s  %9s  %-19s    %s (%s)%n", "", "", "", r.address(), state(r));
            }
            out.printf("-- %d message%s, %d bytes%n", all.size(), all.size() == 1 ? "" : "s", bytes);
            return 0;
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true,
            description = "Shows one message: its envelope, then its content as stored.")
    static final class ShowCommand implements Callable<Integer> {
        @Mixin
        ConfigOption config;

        @Parameters(paramLabel = "ID", description = "The queue id.")
        String id;

        @Option(names = "--envelope-only", description = "Do not print the content.")
        boolean envelopeOnly;

        @Override
        public Integer call() throws Exception {
            QueueId qid;
            try {
                qid = QueueId.parse(id);
            } catch (IllegalArgumentException e) {
                System.err.println("facteur: " + e.getMessage());
                return 2;
            }
            try (LogSpool spool = open(config)) {
                var found = spool.find(qid);
                if (found.isEmpty()) {
                    System.err.println("facteur: no message " + id + " in the queue");
                    return 1;
                }
                Envelope e = found.get().envelope();
                PrintStream out = System.out;
                out.println("Queue-Id: " + e.id());
                out.println("Arrival: " + TIME.format(e.arrival()));
                out.println("Size: " + found.get().size());
                out.println("Sender: <" + e.sender() + ">");
                out.println("Client: " + e.client().helo() + " [" + e.client().address() + "] " + e.client().protocol()
                        + (e.client().tls().isEmpty() ? "" : " " + e.client().tls()));
                out.println("Body: " + e.body().keyword() + (e.smtpUtf8() ? " SMTPUTF8" : ""));
                if (e.ret() != null) out.println("Ret: " + e.ret());
                if (e.envid() != null) out.println("Envid: " + e.envid());
                for (Recipient r : e.recipients()) {
                    String notify = r.dsnNotify().toParameter();
                    out.println("Recipient: <" + r.address() + "> " + state(r)
                            + (notify == null ? "" : " NOTIFY=" + notify) + (r.orcpt() == null ? "" : " ORCPT=" + r.orcpt()));
                }
                if (!envelopeOnly) {
                    out.println();
                    out.flush();
                    try (InputStream in = spool.openContent(qid)) {
                        in.transferTo(out);
                    }
                    out.flush();
                }
            }
            return 0;
        }
    }

    private static String state(Recipient r) {
        return r.state().name().toLowerCase(Locale.ROOT);
    }

    private static ObjectNode toJson(JsonMapper mapper, StoredMessage m) {
        Envelope e = m.envelope();
        ObjectNode o = mapper.createObjectNode();
        o.put("id", e.id().toString());
        o.put("sender", e.sender().toString());
        ArrayNode rs = o.putArray("recipients");
        for (Recipient r : e.recipients()) {
            rs.addObject().put("address", r.address().toString()).put("state", state(r));
        }
        o.put("size", m.size());
        o.put("arrival", e.arrival().toString());
        return o;
    }
}
