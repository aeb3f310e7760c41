package dev.facteur.cli;

import java.io.PrintWriter;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The running server's suppression list, through its admin interface. */
@Command(name = "suppression", mixinStandardHelpOptions = true,
        description = {"Looks at and edits the running server's suppression list: the addresses",
                "mail is no longer sent to (hard bounces, complaints, repeated soft bounces,",
                "unsubscribes, operators' entries), per sender domain or for all (scope *)."},
        subcommands = {SuppressionCommand.ListCommand.class, SuppressionCommand.ShowCommand.class, SuppressionCommand.AddCommand.class,
                SuppressionCommand.RemoveCommand.class, SuppressionCommand.RatesCommand.class})
final class SuppressionCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss", Locale.ROOT).withZone(ZoneId.systemDefault());
    private static final String ROW = "%-20s  %-32s  %-12s  %-19s  %-19s  %s";

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    /** An ISO time of the API as the operator reads it; "never" for none. */
    private static String time(JsonNode t) {
        return t == null || t.isNull() ? "never" : TIME.format(Instant.parse(t.asString()));
    }

    /** Says on stderr what the server refused; 1. */
    private static int refused(CommandSpec spec, JsonNode answer) {
        spec.commandLine().getErr().println("facteur: " + answer.path("message").asString(answer.toString()));
        return 1;
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "Lists the entries, by scope and address, every page of them.")
    static final class ListCommand implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        ConfigOption config;

        @Option(names = "--scope", paramLabel = "SCOPE", description = "Only this sender domain's entries, or * for the global ones.")
        String scope;

        @Option(names = "--json", description = "An array of entries, for scripts.")
        boolean json;

        @Option(names = "--page-size", paramLabel = "N", defaultValue = "1000",
                description = "Entries asked for at a time (default: ${DEFAULT-VALUE}).")
        int pageSize;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            JsonMapper mapper = new JsonMapper();
            String after = "";
            int count = 0;
            if (json) out.print("[");
            do {
                String q = "limit=" + pageSize + (scope == null ? "" : "&scope=" + enc(scope)) + (after.isEmpty() ? "" : "&after=" + enc(after));
                JsonNode page = AdminClient.request(spec, config, "GET", "/suppression/list", q);
                if (page == null) return 1;
                if (!page.path("ok").asBoolean(false)) return refused(spec, page);
                for (JsonNode e : page.path("entries")) {
                    if (json) {
                        out.print((count == 0 ? "\n  " : ",\n  ") + mapper.writeValueAsString(e));
                    } else {
                        if (count == 0) out.println(ROW.formatted("SCOPE", "ADDRESS", "REASON", "CREATED", "EXPIRES", "DIAGNOSTIC"));
                        out.println(ROW.formatted(e.path("scope").asString(), e.path("address").asString(), e.path("reason").asString(),
                                time(e.get("created")), time(e.get("expires")), e.path("diagnostic").asString()).stripTrailing());
                    }
                    count++;
                }
                after = page.path("next").asString("");
            } while (!after.isEmpty());
            if (json) out.println(count == 0 ? "]" : "\n]");
            else if (count == 0) out.println("The suppression list is empty" + (scope == null ? "" : " in " + scope));
            else out.printf("-- %d entr%s%n", count, count == 1 ? "y" : "ies");
            return 0;
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true,
            description = "Shows an address's entries in every scope: why it is suppressed, since when, until when.")
    static final class ShowCommand implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        ConfigOption config;

        @Parameters(paramLabel = "ADDRESS", description = "The address, e.g. alice@example.org (its case does not matter).")
        String address;

        @Override
        public Integer call() throws Exception {
            JsonNode answer = AdminClient.request(spec, config, "GET", "/suppression/show", "address=" + enc(address));
            if (answer == null) return 1;
            if (!answer.path("ok").asBoolean(false)) return refused(spec, answer);
            PrintWriter out = spec.commandLine().getOut();
            for (JsonNode e : answer.path("entries")) {
                String scope = e.path("scope").asString();
                out.println(e.path("address").asString() + " in " + (scope.equals("*") ? "* (every sender domain)" : scope) + ": "
                        + e.path("reason").asString() + " since " + time(e.get("created"))
                        + (e.get("expires").isNull() ? ", never expires" : ", until " + time(e.get("expires"))));
                if (!e.path("diagnostic").asString().isEmpty()) out.println("  " + e.path("diagnostic").asString());
            }
            return 0;
        }
    }

    @Command(name = "add", mixinStandardHelpOptions = true,
            description = "Suppresses an address, replacing what its scope held for it.")
    static final class AddCommand implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        ConfigOption config;

        @Parameters(paramLabel = "ADDRESS", description = "The address, e.g. alice@example.org.")
        String address;

        @Option(names = "--scope", paramLabel = "SCOPE", defaultValue = "*",
                description = "The sender domain whose mail it stops, or * for every one (default: ${DEFAULT-VALUE}).")
        String scope;

        @Option(names = "--reason", paramLabel = "REASON", defaultValue = "manual",
                description = "manual, hard-bounce, complaint, soft-bounces or unsubscribe (default: ${DEFAULT-VALUE}).")
        String reason;

        @Option(names = "--for", paramLabel = "DURATION", defaultValue = "never",
                description = "How long: 30d, 12h, 90m, 45s, or never (default: ${DEFAULT-VALUE}).")
        String lifetime;

        @Option(names = "--note", paramLabel = "TEXT", defaultValue = "", description = "Why, for whoever reads the list later.")
        String note;

        private static final Pattern DURATION = Pattern.compile("(\\d{1,9})([smhd])");

        @Override
        public Integer call() throws Exception {
            List<String> q = new ArrayList<>(List.of("address=" + enc(address), "scope=" + enc(scope), "reason=" + enc(reason),
                    "note=" + enc(note)));
            if (!lifetime.equals("never")) {
                Matcher m = DURATION.matcher(lifetime);
                if (!m.matches()) {
                    spec.commandLine().getErr().println("facteur: --for: expected a duration such as 30d, 12h, 90m or 45s, or never");
                    return 2;
                }
                long n = Long.parseLong(m.group(1));
                Duration d = switch (m.group(2)) {
                    case "s" -> Duration.ofSeconds(n);
                    case "m" -> Duration.ofMinutes(n);
                    case "h" -> Duration.ofHours(n);
                    default -> Duration.ofDays(n);
                };
                q.add("for=" + enc(d.toString()));
            }
            return QueueCommand.admin(spec, config, "POST", "/suppression/add", String.join("&", q));
        }
    }

    @Command(name = "remove", mixinStandardHelpOptions = true,
            description = "Takes an address off the list: in every scope, or in one.")
    static final class RemoveCommand implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        ConfigOption config;

        @Parameters(paramLabel = "ADDRESS", description = "The address, e.g. alice@example.org (its case does not matter).")
        String address;

        @Option(names = "--scope", paramLabel = "SCOPE", description = "Only in this sender domain's entries, or * (default: every scope).")
        String scope;

        @Override
        public Integer call() throws Exception {
            return QueueCommand.admin(spec, config, "POST", "/suppression/remove",
                    "address=" + enc(address) + (scope == null ? "" : "&scope=" + enc(scope)));
        }
    }

    @Command(name = "rates", mixinStandardHelpOptions = true,
            description = {"Shows, per sender domain, the mail receivers took, its hard bounces and complaints",
                    "over the last day and week, and their rates: what large receivers judge a sender by."})
    static final class RatesCommand implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        ConfigOption config;

        @Parameters(paramLabel = "DOMAIN", arity = "0..*",
                description = "Sender domains (default: those the server has sent mail of since it started).")
        List<String> domains = new ArrayList<>();

        @Override
        public Integer call() throws Exception {
            String q = String.join("&", domains.stream().map(d -> "domain=" + enc(d)).toList());
            JsonNode answer = AdminClient.request(spec, config, "GET", "/suppression/rates", q);
            if (answer == null) return 1;
            if (!answer.path("ok").asBoolean(false)) return refused(spec, answer);
            PrintWriter out = spec.commandLine().getOut();
            String row = "%-32s  %-6s  %10s  %12s  %10s  %9s  %9s";
            if (answer.path("senders").isEmpty()) {
                out.println("No mail sent since the server started");
                return 0;
            }
            out.println(row.formatted("SENDER DOMAIN", "WINDOW", "SENT", "HARD BOUNCES", "COMPLAINTS", "BOUNCE %", "SPAM %"));
            for (JsonNode s : answer.path("senders"))
                for (JsonNode w : s.path("windows"))
                    out.println(row.formatted(s.path("domain").asString(), w.path("window").asString(), w.path("sent").asLong(),
                            w.path("hard_bounces").asLong(), w.path("complaints").asLong(),
                            "%.2f".formatted(100 * w.path("hard_bounce_rate").asDouble()),
                            "%.3f".formatted(100 * w.path("complaint_rate").asDouble())));
            return 0;
        }
    }
}
