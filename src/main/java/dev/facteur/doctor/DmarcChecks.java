package dev.facteur.doctor;

import dev.facteur.auth.dmarc.DmarcRecord;
import dev.facteur.auth.dmarc.DnsTreeWalk;
import dev.facteur.auth.dmarc.Policy;
import dev.facteur.auth.dmarc.PolicyDiscovery;
import dev.facteur.auth.dmarc.ReportDestinations;
import dev.facteur.auth.dmarc.ReportDestinations.Destination;
import dev.facteur.dns.DnsResolver;
import dev.facteur.dns.TxtAnswer;
import dev.facteur.message.AddressSyntax;
import dev.facteur.message.Mailbox;
import dev.facteur.smtp.AddressPolicy;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * A domain's DMARC record (RFC 7489), found as receivers find it (its own, or its
 * Organizational Domain's): it exists and reads; {@code p=none} asks receivers to do nothing,
 * which is a warning; and its aggregate reports can arrive: an address outside the domain's
 * organization must authorise them (§7.1, {@code domain._report._dmarc.host}), and an address in a
 * local domain must be one this server accepts.
 */
final class DmarcChecks implements DomainChecks {

    private final DnsResolver dns;
    private final AddressPolicy addresses;

    /** @param addresses the server's recipient rules: is a report address in a local domain taken? */
    DmarcChecks(DnsResolver dns, AddressPolicy addresses) {
        this.dns = dns;
        this.addresses = addresses;
    }

    @Override
    public List<Check> check(Installation server, Domain domain) {
        String d = domain.name();
        String suggested = Records.txt("_dmarc." + d, "v=DMARC1; p=quarantine; rua=mailto:postmaster@" + d);
        return switch (new DnsTreeWalk(dns).policy(d)) {
            case PolicyDiscovery.NoPolicy(var reason) -> List.of(Check.fail(d + " has no DMARC record",
                    "large mailbox providers require one from senders; " + reason, suggested));
            case PolicyDiscovery.Unusable(var at, var reason) -> List.of(Check.fail("The DMARC record of " + d + " (at _dmarc." + at
                    + ") is unusable: " + reason, "receivers apply no DMARC policy", suggested));
            case PolicyDiscovery.TempFail(var reason) -> List.of(Check.warn("The DMARC record of " + d + " did not answer", reason));
            case PolicyDiscovery.Found(var at, var record) -> found(server, d, at, record);
        };
    }

    private List<Check> found(Installation server, String d, String at, DmarcRecord record) {
        List<Check> out = new ArrayList<>();
        String where = at.equals(d) ? "" : " (inherited from " + at + ")";
        Policy p = at.equals(d) ? record.p() : record.subdomainPolicy();
        if (p == Policy.NONE) {
            String text = publishedText(at).orElse("v=DMARC1; p=none");
            String stronger = text.matches("(?is).*\\bp\\s*=\\s*none\\b.*") ? text.replaceFirst("(?i)\\bp\\s*=\\s*none\\b", "p=quarantine")
                    : text + "; p=quarantine";
            out.add(Check.warn("The DMARC policy of " + d + " is p=none" + where + (record.pAssumed() ? " (no valid p=, read as none)" : ""),
                    "receivers deliver mail that fails DMARC as usual: anyone may send as " + d + "; once the reports show"
                            + " all your mail passes, ask for quarantine, then reject", Records.txt("_dmarc." + at, stronger)));
        } else {
            out.add(Check.pass("The DMARC policy of " + d + " is p=" + p.token() + where, record.testing() ? "t=y: applied one level lower while testing" : ""));
        }
        if (record.rua().isEmpty()) {
            String text = publishedText(at).orElse("v=DMARC1; p=" + p.token());
            out.add(Check.warn("The DMARC record of " + d + " asks for no aggregate reports (no rua=)",
                    "without them you cannot see who sends mail as " + d + " nor whether it passes",
                    Records.txt("_dmarc." + at, text.replaceFirst(";?\\s*$", "") + "; rua=mailto:postmaster@" + at)));
            return out;
        }
        for (Destination dest : ReportDestinations.verify(dns, at, record.rua())) out.add(destination(server, at, dest));
        return out;
    }

    private Check destination(Installation server, String policyDomain, Destination dest) {
        return switch (dest) {
            case Destination.Send(var uri, var address) -> accepted(server, address);
            case Destination.Later(var uri, var reason) -> Check.warn("Reports to " + uri.uri() + " could not be verified now", reason);
            case Destination.Skip(var uri, var reason) -> {
                String host = uri.mailbox().map(a -> a.substring(a.lastIndexOf('@') + 1)).orElse("");
                yield host.isEmpty() ? Check.fail("Aggregate reports to " + uri.uri() + " are not sent", reason)
                        : Check.fail("Aggregate reports to " + uri.uri() + " are not sent", reason
                                + "; the owner of " + host + " must publish (RFC 7489 §7.1):",
                        Records.txt(policyDomain + "._report._dmarc." + host, "v=DMARC1"));
            }
        };
    }

    /** A report address in a local domain must be a recipient this server accepts; elsewhere its domain must take mail. */
    private Check accepted(Installation server, String address) {
        Optional<Mailbox> m = AddressSyntax.tryParseMailbox(address, true);
        String domain = address.substring(address.lastIndexOf('@') + 1).toLowerCase(Locale.ROOT);
        if (m.isPresent() && server.localDomains().contains(domain)) {
            return switch (addresses.recipient(SpfChecks.NOBODY, m.get())) {
                case AddressPolicy.Decision.Accept a -> Check.pass("Aggregate reports go to " + address + ", which this server accepts", "");
                case AddressPolicy.Decision.Refuse(var reply) -> Check.fail("Aggregate reports go to " + address + ", which this server refuses",
                        reply.code() + " " + reply.enhanced() + " " + String.join(" ", reply.lines()) + "; add the mailbox or an alias",
                        "add \"" + m.get().localPart() + "@" + domain + "\" to [local] users, or an alias for it to the aliases file");
            };
        }
        return Check.pass("Aggregate reports go to " + address, "");
    }

    /** The DMARC record's text as published, to suggest it changed rather than rewritten. */
    private Optional<String> publishedText(String policyDomain) {
        if (dns.txt("_dmarc." + policyDomain) instanceof TxtAnswer.Records(var records))
            return records.stream().filter(r -> DmarcRecord.parse(r) instanceof DmarcRecord.Parse.Valid).findFirst();
        return Optional.empty();
    }
}
