package dev.facteur.cli;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * What the spam defences would decide for a client, asked of the running server (its greylist
 * records and rate counters are the ones that count) without changing them and without sending.
 */
@Command(name = "policy", mixinStandardHelpOptions = true,
        description = {"Shows what the running server's checks ([policy]) would decide for a client:",
                "each check's verdict, stage by stage, and the reply to each recipient.",
                "Records nothing (no greylist entry, no rate count) and sends nothing.",
                "Routing (relaying, unknown users) comes first in a real session: see `facteur address`."})
final class PolicyCommand implements Callable<Integer> {

    @Mixin
    ConfigOption config;

    @Spec
    CommandSpec spec;

    @Option(names = "--client", paramLabel = "IP", required = true, description = "The client's address, e.g. 192.0.2.1.")
    String client;

    @Option(names = "--helo", paramLabel = "NAME", defaultValue = "client.example",
            description = "What the client says in EHLO (default: ${DEFAULT-VALUE}).")
    String helo;

    @Option(names = "--from", paramLabel = "ADDRESS", defaultValue = "",
            description = "The sender (MAIL FROM); empty for the null sender <> (default).")
    String from;

    @Parameters(paramLabel = "RECIPIENT", arity = "1..*", description = "Recipient addresses (RCPT TO).")
    List<String> recipients;

    @Override
    public Integer call() throws Exception {
        List<String> q = new ArrayList<>();
        q.add("client=" + enc(client));
        q.add("helo=" + enc(helo));
        q.add("from=" + enc(from));
        for (String r : recipients) q.add("to=" + enc(r));
        return QueueCommand.admin(spec, config, "GET", "/policy/explain", String.join("&", q));
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
