package dev.facteur.policy.check;

import dev.facteur.policy.Verdict;
import dev.facteur.smtp.Reply;
import java.util.List;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** From what the lists said to a verdict, the same for client addresses and sender domains. */
final class DnsListVerdict {

    private static final Logger log = LoggerFactory.getLogger("facteur.policy");

    private DnsListVerdict() {}

    /**
     * @param what   who was looked up, as replies say it: "client [192.0.2.1]", "sender domain example.com"
     * @param header the header field that tags: "X-Facteur-DNSBL"
     * @param who    for the log: {@link dev.facteur.policy.Facts#who()}
     */
    static Verdict decide(DnsListSettings s, DnsListQuery.Outcome o, String what, String header, String who) {
        boolean listed = o.score() >= s.threshold();
        boolean unsettled = !o.failures().isEmpty() && !o.settled(s.threshold());
        for (var f : o.failures()) {
            log.warn("{}: DNS list {} failed for {}: {}; {}", who, f.zone(), what, f.reason(), !unsettled ? "the other lists decided"
                    : switch (s.onDnsFailure()) {
                        case DEFER -> "deferred as configured";
                        case TAG -> "tagged as configured";
                        case IGNORE -> "taken as not listed, as configured";
                    });
        }
        if (unsettled && s.onDnsFailure() == OnDnsFailure.DEFER)
            return new Verdict.Defer(new Reply(451, "4.7.1", "Temporary failure looking up " + what + " in " + failedZones(s, o)
                    + "; try again later"), "no answer from " + failures(o) + "; score " + o.score() + " without them");
        String why = "score " + o.score() + ", threshold " + s.threshold() + (o.hits().isEmpty() ? "" : ": " + hits(o));
        if (listed) {
            String zones = o.hits().stream().filter(h -> h.list().weight() > 0).map(h -> s.shown(h.list().zone())).distinct()
                    .collect(Collectors.joining(", "));
            String text = "Service unavailable; " + what + " blocked using " + zones;
            return switch (s.action()) {
                case REJECT -> new Verdict.Reject(new Reply(554, "5.7.1", text), why);
                case DEFER -> new Verdict.Defer(new Reply(450, "4.7.1", text), why);
                case TAG -> new Verdict.AddHeader(header + ": " + what + " listed in " + zones + " (score " + o.score() + ", threshold "
                        + s.threshold() + ")", why);
                case HOLD -> new Verdict.Hold(what + " listed in " + zones + " (" + why + ")");
                case OFF -> {
                    log.info("{}: {} listed in {}, no action as configured ({})", who, what, zones, why);
                    yield Verdict.DUNNO;
                }
            };
        }
        if (s.allowThreshold() < 0 && o.score() <= s.allowThreshold())
            return new Verdict.Accept("allow-listed: " + why + ", allow threshold " + s.allowThreshold());
        if (unsettled && s.onDnsFailure() == OnDnsFailure.TAG)
            return new Verdict.AddHeader(header + ": temperror; " + what + " not looked up in " + failedZones(s, o), "no answer from " + failures(o));
        return Verdict.DUNNO;
    }

    private static String hits(DnsListQuery.Outcome o) {
        return o.hits().stream().map(h -> h.list() + " answered " + h.answer().getHostAddress()).collect(Collectors.joining(", "));
    }

    private static String failures(DnsListQuery.Outcome o) {
        return o.failures().stream().map(f -> f.zone() + " (" + f.reason() + ")").collect(Collectors.joining(", "));
    }

    private static String failedZones(DnsListSettings s, DnsListQuery.Outcome o) {
        List<String> zones = o.failures().stream().map(f -> s.shown(f.zone())).toList();
        return String.join(", ", zones);
    }
}
