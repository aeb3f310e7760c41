package dev.facteur.auth.spf;

import dev.facteur.auth.spf.SpfResult.Fail;
import dev.facteur.auth.spf.SpfResult.Neutral;
import dev.facteur.auth.spf.SpfResult.None;
import dev.facteur.auth.spf.SpfResult.Pass;
import dev.facteur.auth.spf.SpfResult.PermError;
import dev.facteur.auth.spf.SpfResult.SoftFail;
import dev.facteur.auth.spf.SpfResult.TempError;
import dev.facteur.dns.AddressAnswer;
import dev.facteur.dns.DnsResolver;
import dev.facteur.dns.Mx;
import dev.facteur.dns.MxAnswer;
import dev.facteur.dns.PtrAnswer;
import dev.facteur.dns.TxtAnswer;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * One run of check_host() (§4) with everything it nests (include, redirect): the limits of
 * §4.6.4 count across all of them, so one instance serves one check and is then dropped.
 */
final class CheckHost {

    /** §4.6.4: terms that query DNS (include, a, mx, ptr, exists, redirect) per check. */
    static final int MAX_DNS_TERMS = 10;
    /** §4.6.4: lookups that find nothing (NXDOMAIN or no records) per check; two is the RECOMMENDED default. */
    static final int MAX_VOID_LOOKUPS = 2;
    /** §4.6.4: MX records one {@code mx} may have; more is a permerror. */
    static final int MAX_MX_NAMES = 10;
    /** §4.6.4: PTR names one {@code ptr} (or {@code %{p}}) looks at; the rest are ignored. */
    static final int MAX_PTR_NAMES = 10;

    private final DnsResolver dns;
    private final MacroString defaultExplanation;
    private final InetAddress ip;
    private final MacroContext macros;
    private int dnsTerms;
    private int voidLookups;
    /** The client's validated names for {@code %{p}}, found the first time a record asks. */
    private List<String> validatedForMacro;

    CheckHost(DnsResolver dns, MacroString defaultExplanation, InetAddress ip, String sender, String helo,
              SpfSettings settings) {
        this.dns = dns;
        this.defaultExplanation = defaultExplanation;
        this.ip = IpAddresses.client(ip);
        this.macros = new MacroContext(this.ip, sender, helo, settings.receivingHost(), settings.clock(), this::validatedName);
    }

    /** An error that ends the whole check, however deep in includes it happens (§4.6.4, §5.2). */
    private static final class Halt extends Exception {
        final SpfResult result;

        Halt(SpfResult result) {
            super(result.toString(), null, false, false);
            this.result = result;
        }
    }

    /** What a domain publishes: one SPF record, or the reason there is none. */
    private sealed interface Published {
        record Found(SpfRecord record) implements Published {}
        record Absent(String reason) implements Published {}
    }

    SpfResult run(String domain) {
        try {
            return check(DomainNames.withoutFinalDot(domain), true);
        } catch (Halt h) {
            return h.result;
        }
    }

    /**
     * check_host() for one domain: None, Pass, Fail, SoftFail or Neutral; errors halt. Explanations
     * are only worth a lookup outside include, whose fail is merely "no match" (§5.2, §6.2).
     */
    private SpfResult check(String domain, boolean explain) throws Halt {
        String notADomain = DomainNames.notADomain(domain);
        if (notADomain != null) return new None("'" + domain + "' is " + notADomain); // §4.3
        SpfRecord record;
        switch (published(domain)) {
            case Published.Found(SpfRecord r) -> record = r;
            case Published.Absent(String reason) -> {
                return new None(reason);
            }
        }
        for (Directive d : record.directives()) {
            if (!matches(d, domain)) continue;
            return switch (d.qualifier()) {
                case PASS -> new Pass(d.term());
                case FAIL -> new Fail(d.term(), explain ? explanation(record, domain) : "");
                case SOFTFAIL -> new SoftFail(d.term());
                case NEUTRAL -> new Neutral(d.term());
            };
        }
        if (record.redirect() == null) return new Neutral("default"); // §4.7
        // §6.1: only when no mechanism matched; the target's result is ours, its exp= with it.
        countDnsTerm("redirect=" + record.redirect());
        String target = target(record.redirect(), domain);
        SpfResult result = check(target, explain);
        if (result instanceof None none) throw new Halt(new PermError("redirect=" + target + ": " + none.reason()));
        return result;
    }

    /** §4.4 and §4.5: the domain's one SPF record among its TXT records. */
    private Published published(String domain) throws Halt {
        stopIfInterrupted();
        return switch (dns.txt(domain)) {
            case TxtAnswer.TempFail(String reason) -> throw new Halt(new TempError("TXT lookup of " + domain + " failed: " + reason));
            case TxtAnswer.NxDomain() -> new Published.Absent(domain + " does not exist");
            case TxtAnswer.NoRecords() -> new Published.Absent("no TXT records at " + domain);
            case TxtAnswer.Records(List<String> records) -> {
                List<String> spf = records.stream().filter(SpfRecord::isSpf).toList();
                if (spf.isEmpty()) yield new Published.Absent("no SPF record at " + domain);
                if (spf.size() > 1) throw new Halt(new PermError(spf.size() + " SPF records at " + domain));
                try {
                    yield new Published.Found(SpfRecord.parse(spf.getFirst()));
                } catch (SyntaxError e) {
                    throw new Halt(new PermError("the record of " + domain + ": " + e.getMessage()));
                }
            }
        };
    }

    private boolean matches(Directive d, String domain) throws Halt {
        if (d.mechanism().asksDns()) countDnsTerm(d.term());
        return switch (d.mechanism()) {
            case Mechanism.All() -> true;
            case Mechanism.Ip(Network network) -> network.contains(ip);
            case Mechanism.Include(MacroString spec) -> included(target(spec, domain), d.term());
            case Mechanism.A(MacroString spec, DualCidr cidr) -> addressesCover(target(spec, domain), cidr);
            case Mechanism.Mx(MacroString spec, DualCidr cidr) -> exchangersCover(target(spec, domain), cidr, d.term());
            case Mechanism.Ptr(MacroString spec) -> validatedUnder(target(spec, domain));
            case Mechanism.Exists(MacroString spec) -> exists(target(spec, domain));
        };
    }

    /** §5.2: a pass matches; fail, softfail and neutral do not; none is the includer's permerror. */
    private boolean included(String target, String term) throws Halt {
        return switch (check(target, false)) {
            case Pass _ -> true;
            case Fail _, SoftFail _, Neutral _ -> false;
            case None none -> throw new Halt(new PermError(term + ": " + none.reason()));
            case TempError e -> throw new Halt(e);
            case PermError e -> throw new Halt(e);
        };
    }

    /** §5.3: the target's addresses of the client's family, at the record's prefix lengths. */
    private boolean addressesCover(String target, DualCidr cidr) throws Halt {
        if (DomainNames.unqueryable(target) != null) return false;
        return switch (addresses(target)) {
            case AddressAnswer.Found(List<InetAddress> found) -> found.stream().anyMatch(a -> cidr.covers(a, ip));
            case AddressAnswer.NxDomain _, AddressAnswer.NoRecords _ -> voidLookup(target);
            case AddressAnswer.TempFail(String reason) -> throw new Halt(new TempError("address lookup of " + target + " failed: " + reason));
        };
    }

    /**
     * §5.4: the addresses of the target's exchangers. There is no implicit MX here (the domain's
     * own address does not count), and more than 10 exchangers is a permerror (§4.6.4). A failed
     * lookup of one exchanger matters only when no other matched.
     */
    private boolean exchangersCover(String target, DualCidr cidr, String term) throws Halt {
        if (DomainNames.unqueryable(target) != null) return false;
        List<Mx> exchangers = switch (dns.mx(target)) {
            case MxAnswer.Records(List<Mx> mxs) -> mxs;
            case MxAnswer.NullMx() -> List.of();
            case MxAnswer.NxDomain _, MxAnswer.NoRecords _ -> {
                voidLookup(target);
                yield List.of();
            }
            case MxAnswer.TempFail(String reason) -> throw new Halt(new TempError("MX lookup of " + target + " failed: " + reason));
        };
        if (exchangers.size() > MAX_MX_NAMES)
            throw new Halt(new PermError(term + ": " + target + " has " + exchangers.size() + " MX records, more than " + MAX_MX_NAMES));
        String failure = null;
        for (Mx mx : exchangers) {
            stopIfInterrupted();
            switch (addresses(mx.host())) {
                case AddressAnswer.Found(List<InetAddress> found) -> {
                    if (found.stream().anyMatch(a -> cidr.covers(a, ip))) return true;
                }
                case AddressAnswer.TempFail(String reason) -> failure = "address lookup of " + mx.host() + " failed: " + reason;
                default -> {}
            }
        }
        if (failure != null) throw new Halt(new TempError(failure));
        return false;
    }

    /** §5.5: a validated name of the client that is the target or ends in ".target". */
    private boolean validatedUnder(String target) throws Halt {
        for (String name : validatedNames(true)) if (isAtOrUnder(name, target)) return true;
        return false;
    }

    /** §5.7: the target has an A record, whatever the client's family. */
    private boolean exists(String target) throws Halt {
        if (DomainNames.unqueryable(target) != null) return false;
        return switch (dns.ipv4(target)) {
            case AddressAnswer.Found _ -> true;
            case AddressAnswer.NxDomain _, AddressAnswer.NoRecords _ -> voidLookup(target);
            case AddressAnswer.TempFail(String reason) -> throw new Halt(new TempError("A lookup of " + target + " failed: " + reason));
        };
    }

    /** The addresses of the client's family: A for IPv4 (mapped ones included), AAAA for IPv6 (§5.3). */
    private AddressAnswer addresses(String name) {
        return ip instanceof Inet4Address ? dns.ipv4(name) : dns.ipv6(name);
    }

    /**
     * §5.5: the client's PTR names (the first 10) whose own addresses include the client. A DNS
     * error means no names, or skips the one name; it never ends the check.
     */
    private List<String> validatedNames(boolean forMechanism) throws Halt {
        if (forMechanism) stopIfInterrupted();
        List<String> names = switch (dns.ptr(ip)) {
            case PtrAnswer.Names(List<String> found) -> found;
            case PtrAnswer.NxDomain _, PtrAnswer.NoRecords _ -> {
                if (forMechanism) voidLookup("PTR of " + ip.getHostAddress());
                yield List.of();
            }
            case PtrAnswer.TempFail _ -> List.of();
        };
        var validated = new ArrayList<String>();
        for (String name : names.subList(0, Math.min(names.size(), MAX_PTR_NAMES))) {
            String host = DomainNames.withoutFinalDot(name).toLowerCase(Locale.ROOT);
            if (DomainNames.unqueryable(host) != null || Thread.currentThread().isInterrupted()) continue;
            if (addresses(host) instanceof AddressAnswer.Found(List<InetAddress> found)
                    && found.stream().anyMatch(a -> Arrays.equals(a.getAddress(), ip.getAddress()))) validated.add(host); // scope ids aside
        }
        return validated;
    }

    /**
     * §7.3 {@code p}: the validated name that is the domain itself, else one under it, else any;
     * "unknown" when there is none or DNS failed.
     */
    private String validatedName(String domain) {
        if (validatedForMacro == null) {
            try {
                validatedForMacro = validatedNames(false);
            } catch (Halt h) {
                validatedForMacro = List.of(); // not reached: only a mechanism's lookups halt
            }
        }
        for (String name : validatedForMacro) if (name.equalsIgnoreCase(domain)) return name;
        for (String name : validatedForMacro) if (isAtOrUnder(name, domain)) return name;
        return validatedForMacro.isEmpty() ? "unknown" : validatedForMacro.getFirst();
    }

    private static boolean isAtOrUnder(String name, String domain) {
        String n = name.toLowerCase(Locale.ROOT), d = domain.toLowerCase(Locale.ROOT);
        return n.equals(d) || n.endsWith("." + d);
    }

    /**
     * §6.2: the domain's exp= text, expanded, when it names exactly one TXT record that parses;
     * otherwise (DNS errors, no record, two, bad syntax) the default explanation. That lookup
     * counts toward no limit. Control characters are masked: the text goes into an SMTP reply.
     */
    private String explanation(SpfRecord record, String domain) {
        String text = null;
        if (record.explanation() != null) {
            String target = target(record.explanation(), domain);
            if (DomainNames.unqueryable(target) == null && !Thread.currentThread().isInterrupted()
                    && dns.txt(target) instanceof TxtAnswer.Records(List<String> records) && records.size() == 1) {
                try {
                    text = MacroString.parseExplanation(records.getFirst()).expand(macros.at(domain));
                } catch (SyntaxError e) {
                    text = null;
                }
            }
        }
        if (text == null) text = defaultExplanation.expand(macros.at(domain));
        return text.replaceAll("\\p{Cntrl}", "?");
    }

    /** §4.8 and §7.3: the name a domain-spec expands to, without a final dot, cut to 253 characters. */
    private String target(MacroString spec, String domain) {
        if (spec == null) return domain;
        return DomainNames.truncated(DomainNames.withoutFinalDot(spec.expand(macros.at(domain))));
    }

    private void countDnsTerm(String term) throws Halt {
        stopIfInterrupted();
        if (++dnsTerms > MAX_DNS_TERMS)
            throw new Halt(new PermError("more than " + MAX_DNS_TERMS + " DNS-querying terms, at '" + term + "'"));
    }

    /** Counts a lookup that found nothing; the third ends the check. Returns false: nothing matched. */
    private boolean voidLookup(String what) throws Halt {
        if (++voidLookups > MAX_VOID_LOOKUPS)
            throw new Halt(new PermError("more than " + MAX_VOID_LOOKUPS + " void lookups, the last " + what));
        return false;
    }

    /** The caller's deadline: an interrupted check stops at its next lookup, as if DNS had timed out. */
    private static void stopIfInterrupted() throws Halt {
        if (Thread.currentThread().isInterrupted()) throw new Halt(new TempError("interrupted: the check took too long"));
    }
}
