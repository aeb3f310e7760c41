package dev.facteur.cli;

import dev.facteur.autoconfig.ClientSetup;
import dev.facteur.config.Config;
import dev.facteur.server.ClientSetups;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code facteur autoconfig DOMAIN}: what to publish so that mail clients configure themselves for DOMAIN. */
@Command(name = "autoconfig", mixinStandardHelpOptions = true,
        description = {"Prints the DNS SRV records (RFC 6186, RFC 8314) and Thunderbird's config-v1.1.xml",
                "that let mail clients find the submission ports for DOMAIN."})
final class AutoconfigCommand implements Callable<Integer> {

    @Mixin
    ConfigOption config;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Parameters(paramLabel = "DOMAIN", description = "The domain of the users' addresses.")
    String domain;

    @Override
    public Integer call() throws Exception {
        Config c = config.load();
        var out = spec.commandLine().getOut();
        String d = domain.toLowerCase(Locale.ROOT);
        ClientSetup setup = ClientSetups.of(c);
        if (setup.submissionPort() == 0 && setup.submissionsPort() == 0) {
            spec.commandLine().getErr().println("facteur autoconfig: [submission] listens nowhere: there is nothing to tell clients");
            return 1;
        }
        out.println("; DNS records for " + d + " (RFC 6186, RFC 8314 §5.1)");
        setup.srvRecords(d).forEach(out::println);
        if (!c.autoconfig().listen().isEmpty())
            out.println("autoconfig." + d + ". 3600 IN CNAME " + c.hostname() + ".   ; Thunderbird asks http://autoconfig." + d
                    + "/mail/config-v1.1.xml");
        out.println();
        out.println("<!-- config-v1.1.xml" + (c.autoconfig().listen().isEmpty()
                ? ": serve it at http://autoconfig." + d + "/mail/config-v1.1.xml, or set [autoconfig] listen -->"
                : ", served by Facteur on " + c.autoconfig().listen() + " -->"));
        out.print(setup.autoconfigXml(d));
        out.flush();
        return 0;
    }
}
