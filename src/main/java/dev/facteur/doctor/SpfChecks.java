package dev.facteur.doctor;

import dev.facteur.auth.spf.Spf;
import dev.facteur.auth.spf.SpfResult;
import dev.facteur.dns.DnsResolver;
import dev.facteur.dns.TxtAnswer;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A domain's SPF record (RFC 7208): there is exactly one, it can be evaluated within the limits
 * every receiver applies (§4.6.4: 10 DNS-querying terms, 2 void lookups), it does not let any
 * address pass, and it lets each address mail leaves from pass. The evaluation is the one the
 * server's own SPF check runs, so what passes here passes there.
 */
final class SpfChecks implements DomainChecks {

    /**
     * RFC 5737's documentation addresses: no domain means to authorise them, so evaluating one walks
     * the whole record, every include and redirect, and meets every limit a real client could meet;
     * and a record that lets all three pass lets anyone pass.
     */
    static final InetAddress NOBODY = InetAddress.ofLiteral("192.0.2.1");
    private static final List<InetAddress> NOBODY_ELSE = List.of(InetAddress.ofLiteral("198.51.100.1"), InetAddress.ofLiteral("203.0.113.1"));

    private final DnsResolver dns;
    private final Spf spf;

    SpfChecks(DnsResolver dns, Spf spf) {
        this.dns = dns;
        this.spf = spf;
    }

    @Override
    public List<Check> check(Installation server, Domain domain) {
        String d = domain.name();
        List<String> records;
        switch (dns.txt(d)) {
            case TxtAnswer.Records(var all) -> records = all.stream().filter(SpfChecks::isSpf).toList();
            case TxtAnswer.TempFail(var reason) -> {
                return List.of(Check.warn("The TXT records of " + d + " did not answer", reason));
            }
            default -> records = List.of();
        }
        List<InetAddress> senders = server.senders().stream().map(Sender::address).distinct().toList();
        if (records.isEmpty())
            return List.of(Check.fail(d + " has no SPF record",
                    "receivers cannot tell that this server may send as " + d + ", and DMARC then rests on DKIM alone",
                    Records.txt(d, suggestion(domain, "v=spf1 -all", senders))));
        if (records.size() > 1)
            return List.of(Check.fail(d + " has " + records.size() + " SPF records: receivers treat that as an error (permerror)",
                    "RFC 7208 §4.5: one \"v=spf1\" record per name; merge them: " + String.join(" | ", records),
                    Records.txt(d, suggestion(domain, records.getFirst(), senders))));
        String record = records.getFirst();
        List<Check> out = new ArrayList<>();
        out.add(limits(server, domain, record, senders));
        out.addAll(addresses(server, domain, record, senders));
        return out;
    }

    /** The whole record, walked for an address nothing authorises: within the limits, and not open to all. */
    private Check limits(Installation server, Domain domain, String record, List<InetAddress> senders) {
        String d = domain.name();
        return switch (spf.checkHost(NOBODY, d, "postmaster@" + d, server.hostname())) {
            case SpfResult.PermError(var problem) -> Check.fail("The SPF record of " + d + " cannot be evaluated: " + problem,
                    "receivers treat it as an error (permerror), as if there were none; RFC 7208 §4.6.4 allows 10 terms that ask DNS"
                            + " (include, a, mx, ptr, exists, redirect) and 2 lookups that find nothing: replace include: terms by the"
                            + " ip4:/ip6: ranges they stand for",
                    Records.txt(d, suggestion(domain, "v=spf1 -all", senders)));
            case SpfResult.Pass(var mechanism) when NOBODY_ELSE.stream()
                    .allMatch(a -> spf.checkHost(a, d, "postmaster@" + d, server.hostname()) instanceof SpfResult.Pass) ->
                    Check.fail("The SPF record of " + d + " lets any address pass (" + mechanism + ")",
                            "documentation addresses (RFC 5737) pass: anyone may send as " + d,
                            Records.txt(d, suggestion(domain, record, senders)));
            case SpfResult.TempError(var problem) -> Check.warn("The SPF record of " + d + " could not be evaluated now", problem);
            default -> Check.pass("The SPF record of " + d + " is within RFC 7208's limits", record);
        };
    }

    /** What check_host() said about one address, in words. */
    private record Said(String address, String what) {}

    /**
     * Each address mail leaves from: one check for those that pass and one for those that do not,
     * since ten alike would hide the rest. A permerror is the record's, said by {@link #limits}.
     */
    private List<Check> addresses(Installation server, Domain domain, String record, List<InetAddress> senders) {
        String d = domain.name();
        List<Check> out = new ArrayList<>();
        List<Said> passed = new ArrayList<>(), failed = new ArrayList<>();
        for (Sender s : distinctAddresses(server.senders())) {
            String a = Records.text(s.address());
            switch (spf.checkHost(s.address(), d, "postmaster@" + d, s.helo())) {
                case SpfResult.Pass(var mechanism) -> passed.add(new Said(a, mechanism));
                case SpfResult.TempError(var problem) -> out.add(Check.warn("SPF of " + d + " for " + a + " could not be evaluated now", problem));
                case SpfResult.PermError(var problem) -> { }
                case SpfResult r -> failed.add(new Said(a, r.keyword() + describe(r)));
            }
        }
        if (passed.size() == 1)
            out.add(Check.pass("SPF of " + d + " lets " + passed.getFirst().address() + " send (" + passed.getFirst().what() + ")", ""));
        else if (!passed.isEmpty())
            out.add(Check.pass("SPF of " + d + " lets " + join(passed) + " send", details(passed)));
        String why = "receivers see mail from " + d + " sent by this server fail SPF";
        String fix = Records.txt(d, suggestion(domain, record, senders));
        if (failed.size() == 1)
            out.add(Check.fail("SPF of " + d + " does not let " + failed.getFirst().address() + " send: " + failed.getFirst().what(), why, fix));
        else if (!failed.isEmpty())
            out.add(Check.fail("SPF of " + d + " does not let " + join(failed) + " send", details(failed) + "; " + why, fix));
        return out;
    }

    private static String join(List<Said> said) {
        return String.join(", ", said.stream().map(Said::address).toList());
    }

    private static String details(List<Said> said) {
        return String.join("; ", said.stream().map(x -> x.address() + ": " + x.what()).toList());
    }

    /** One sender per address: two sources with one address would give the same answer twice. */
    static List<Sender> distinctAddresses(List<Sender> senders) {
        List<Sender> out = new ArrayList<>();
        for (Sender s : senders) if (out.stream().noneMatch(o -> o.address().equals(s.address()))) out.add(s);
        return out;
    }

    /** RFC 7208 §4.5: a record starts with "v=spf1" followed by a space or nothing. */
    static boolean isSpf(String txt) {
        String t = txt.toLowerCase(Locale.ROOT);
        return t.equals("v=spf1") || t.startsWith("v=spf1 ");
    }

    private static String describe(SpfResult r) {
        return switch (r) {
            case SpfResult.Fail(var m, var e) -> " (" + m + ")";
            case SpfResult.SoftFail(var m) -> " (" + m + ")";
            case SpfResult.Neutral(var m) -> " (" + m + ")";
            case SpfResult.None(var reason) -> " (" + reason + ")";
            default -> "";
        };
    }

    /**
     * The record with our addresses added first: {@code ip4:}/{@code ip6:} terms right after the
     * version, where they match before any term that asks DNS. A local domain gets {@code mx} too
     * when it starts from nothing, since its MX is this server.
     */
    static String suggestion(Domain domain, String record, List<InetAddress> senders) {
        List<String> terms = new ArrayList<>(List.of(record.strip().split(" +")));
        terms.removeFirst(); // v=spf1
        List<String> lower = terms.stream().map(t -> t.toLowerCase(Locale.ROOT)).toList();
        List<String> add = new ArrayList<>();
        if (domain.local() && terms.size() == 1 && lower.getFirst().endsWith("all")) add.add("mx");
        for (InetAddress a : senders) {
            String term = Records.spfTerm(a);
            if (!lower.contains(term.toLowerCase(Locale.ROOT))) add.add(term);
        }
        terms.addAll(0, add);
        // "+all" or "?all" lets anyone pass: the suggestion ends with "-all" instead
        terms.replaceAll(t -> t.equalsIgnoreCase("all") || t.equalsIgnoreCase("+all") || t.equalsIgnoreCase("?all") ? "-all" : t);
        if (terms.stream().noneMatch(t -> t.toLowerCase(Locale.ROOT).endsWith("all") || t.toLowerCase(Locale.ROOT).startsWith("redirect=")))
            terms.add("-all");
        return "v=spf1 " + String.join(" ", terms);
    }
}
