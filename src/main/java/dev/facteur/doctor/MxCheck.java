package dev.facteur.doctor;

import dev.facteur.dns.AddressAnswer;
import dev.facteur.dns.DnsResolver;
import dev.facteur.dns.Mx;
import dev.facteur.dns.MxAnswer;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * A local domain's mail comes here: its MX hosts resolve to addresses of this server (RFC 5321
 * §5.1). An exchanger elsewhere is a warning (a backup MX must pass the mail on to us); none here
 * means the domain's mail goes somewhere else; a null MX (RFC 7505) says the domain takes no mail.
 */
final class MxCheck implements DomainChecks {

    private final DnsResolver dns;

    MxCheck(DnsResolver dns) {
        this.dns = dns;
    }

    @Override
    public List<Check> check(Installation server, Domain domain) {
        if (!domain.local()) return List.of();
        String d = domain.name();
        String publish = Records.mx(d, server.hostname());
        return List.of(switch (dns.mx(d)) {
            case MxAnswer.Records(var mxs) -> exchangers(server, d, mxs, publish);
            case MxAnswer.NullMx() -> Check.fail(d + " publishes a null MX: it says it takes no mail (RFC 7505)",
                    "senders bounce mail to " + d + " at once; replace the \"MX 0 .\" record", publish);
            case MxAnswer.NoRecords() -> implicit(server, d, publish);
            case MxAnswer.NxDomain() -> Check.fail(d + " does not exist in DNS", "nobody can send mail to it", publish);
            case MxAnswer.TempFail(var reason) -> Check.warn("The MX records of " + d + " did not answer", reason);
        });
    }

    private Check exchangers(Installation server, String d, List<Mx> mxs, String publish) {
        List<String> here = new ArrayList<>(), elsewhere = new ArrayList<>(), unknown = new ArrayList<>();
        for (Mx mx : mxs) {
            switch (dns.addresses(mx.host())) {
                case AddressAnswer.Found(var a) when a.stream().anyMatch(server.ours()::contains) -> here.add(mx.host());
                case AddressAnswer.Found(var a) -> elsewhere.add(mx.host() + " (" + String.join(", ", a.stream().map(Records::text).toList()) + ")");
                case AddressAnswer.TempFail(var reason) -> unknown.add(mx.host() + " (" + reason + ")");
                default -> elsewhere.add(mx.host() + " (no address)");
            }
        }
        String ours = "this server is " + server.ours().stream().map(Records::text).toList();
        if (here.isEmpty() && !unknown.isEmpty())
            return Check.warn("The MX hosts of " + d + " did not resolve", String.join("; ", unknown));
        if (here.isEmpty())
            return Check.fail("The MX of " + d + " points elsewhere: " + String.join(", ", elsewhere), ours, publish);
        if (!elsewhere.isEmpty())
            return Check.warn("The MX of " + d + " points here (" + String.join(", ", here) + ") and elsewhere: " + String.join(", ", elsewhere),
                    "a backup MX must accept mail for " + d + " and pass it on to this server; " + ours);
        return Check.pass("The MX of " + d + " points here: " + String.join(", ", here), "");
    }

    /** No MX: senders use the domain's own addresses (RFC 5321 §5.1), which works only if they are ours, and some senders skip it. */
    private Check implicit(Installation server, String d, String publish) {
        if (dns.addresses(d) instanceof AddressAnswer.Found(var a) && a.stream().anyMatch(server.ours()::contains))
            return Check.warn(d + " has no MX record; its own address is this server's (the implicit MX)",
                    "RFC 5321 §5.1 lets senders use it, but an explicit MX is what everyone expects", publish);
        return Check.fail(d + " has no MX record", "its mail does not come here", publish);
    }
}
