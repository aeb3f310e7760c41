package dev.facteur.cli;

import dev.facteur.config.Config;
import dev.facteur.dns.DnsJavaResolver;
import dev.facteur.doctor.Checklist;
import dev.facteur.doctor.Doctor;
import dev.facteur.doctor.JsonReport;
import dev.facteur.doctor.Report;
import dev.facteur.server.Facteur;
import java.io.Console;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code facteur doctor}: everything that makes receivers trust this server, checked against DNS
 * and the running server, with the record to publish for each problem.
 */
@Command(name = "doctor", mixinStandardHelpOptions = true,
        description = {"Checks what makes receivers trust this server: reverse DNS and SPF of the addresses mail",
                "leaves from; MX, SPF, DKIM, DMARC, MTA-STS, TLS-RPT and TLSA of each domain; the certificate;",
                "relaying; blocklists. Prints what is wrong and the exact record or line to fix it.",
                "Asks the DNS servers of [dns] servers. See docs/doctor.md."},
        exitCodeListHeading = "Exit status:%n",
        exitCodeList = {"0:no check failed (warnings allowed)", "1:a check failed, or the configuration does not load",
                "2:bad options"})
final class DoctorCommand implements Callable<Integer> {

    @Mixin
    ConfigOption config;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--json", description = "One JSON document (subjects, checks with status, title, details, fix), for monitoring.")
    boolean json;

    @Option(names = "--domain", paramLabel = "DOMAIN", description = "Check this domain only (its records), not the server.")
    String domain;

    @Option(names = "--no-color", description = "No colours, even on a terminal (also: the NO_COLOR environment variable).")
    boolean noColor;

    @Override
    public Integer call() throws Exception {
        Config c = config.load();
        // the resolver the server builds (server/Facteur.java): the same servers, timeout and retries
        var dns = new DnsJavaResolver(c.dns().servers(), Duration.ofSeconds(5), 2);
        Doctor doctor = new Doctor(c, dns, Facteur.addressResolver(c), Clock.systemUTC());
        Report report = domain == null ? doctor.examine() : doctor.examine(domain);
        var out = spec.commandLine().getOut();
        if (json) {
            out.println(JsonReport.of(report));
            out.flush();
        } else {
            Console console = System.console();
            boolean terminal = console != null && console.isTerminal();
            boolean colour = terminal && !noColor && System.getenv("NO_COLOR") == null;
            // ✓ and ✗ where stdout's character set has them (picocli writes in it); a C locale gets ok and X
            boolean unicode = System.out.charset().newEncoder().canEncode("✓✗");
            new Checklist(colour, unicode).print(report, out);
        }
        return report.exitCode();
    }
}
