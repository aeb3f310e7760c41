package dev.facteur.cli;

import dev.facteur.config.Config;
import dev.facteur.message.AddressSyntax;
import dev.facteur.message.Mailbox;
import dev.facteur.routing.AddressResolver;
import dev.facteur.routing.Transport;
import dev.facteur.server.Facteur;
import dev.facteur.smtp.AddressPolicy;
import java.net.InetAddress;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * What the server would do with an address, asked of the configuration and its files without a
 * running server (Postfix's {@code sendmail -bv} and {@code postmap -q} in one): accepted or
 * refused at RCPT, where aliases lead, and how each final recipient would leave.
 */
@Command(name = "address", mixinStandardHelpOptions = true,
        description = {"Shows what Facteur would do with recipient addresses: the RCPT reply,",
                "the addresses an alias leads to, and how each would be delivered.",
                "Reads the configuration and its files (users, aliases, maps); sends nothing."})
final class AddressCommand implements Callable<Integer> {

    @Mixin
    ConfigOption config;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--client", paramLabel = "IP", defaultValue = "127.0.0.1",
            description = "The client's address, for the relay rules (default: ${DEFAULT-VALUE}).")
    String client;

    @Parameters(paramLabel = "ADDRESS", arity = "1..*", description = "Recipient addresses, e.g. info@example.test, or Postmaster.")
    List<String> addresses;

    @Override
    public Integer call() throws Exception {
        Config c = config.load();
        AddressResolver resolver = Facteur.addressResolver(c);
        InetAddress from = InetAddress.ofLiteral(client);
        var out = spec.commandLine().getOut();
        int refused = 0;
        for (String a : addresses) {
            Mailbox m = a.equalsIgnoreCase("postmaster") ? Mailbox.postmaster() : AddressSyntax.tryParseMailbox(a, true).orElse(null);
            if (m == null) {
                out.println(a + ": refused: 501 5.1.3 not an address");
                refused++;
                continue;
            }
            switch (resolver.recipient(from, m)) {
                case AddressPolicy.Decision.Refuse(var reply) -> {
                    out.println(a + ": refused: " + reply.code() + " " + reply.enhanced() + " " + String.join(" ", reply.lines()));
                    refused++;
                }
                case AddressPolicy.Decision.Accept(var deliverTo) -> {
                    out.println(a + ": accepted" + (deliverTo.size() > 1 ? ", " + deliverTo.size() + " recipients" : ""));
                    for (Mailbox to : deliverTo) out.println("  " + to + "  ->  " + describe(c, resolver, to));
                }
            }
        }
        out.flush();
        return refused == 0 ? 0 : 1;
    }

    private static String describe(Config c, AddressResolver resolver, Mailbox to) {
        Transport t = resolver.transport(to, c.delivery().smarthost().orElse(null));
        return switch (t) {
            case null -> "smtp, MX of " + to.domainKey();
            case Transport.Local l when c.local().mailbox() == Config.Store.LMTP -> "local, " + c.local().lmtp().orElseThrow();
            case Transport.Local l -> "local, maildir " + c.local().maildir()
                    .replace("{domain}", to.domainKey()).replace("{user}", resolver.mailboxName(to).toLowerCase(Locale.ROOT));
            case Transport.Reports r -> "reports: read as a bounce or complaint (the bounce domain), not kept";
            default -> t.toString();
        };
    }
}
