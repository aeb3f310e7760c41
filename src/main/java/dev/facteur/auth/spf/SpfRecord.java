package dev.facteur.auth.spf;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A parsed SPF record (§4.6): its directives in order, and the two modifiers that mean something
 * (§6), each null when absent. Unknown modifiers are checked for syntax and then ignored (§6).
 */
record SpfRecord(List<Directive> directives, MacroString redirect, MacroString explanation) {

    private static final String VERSION = "v=spf1";
    /** §4.6.1: {@code name = ALPHA *( ALPHA / DIGIT / "-" / "_" / "." )}, then "=": a modifier. */
    private static final Pattern MODIFIER = Pattern.compile("([A-Za-z][A-Za-z0-9_.-]*)=(.*)", Pattern.DOTALL);
    /** A {@code dual-cidr-length} at the end of an a or mx argument; the rest is the domain-spec. */
    private static final Pattern TRAILING_CIDR = Pattern.compile("(.*?)((?:/[0-9]+)?(?://[0-9]+)?)", Pattern.DOTALL);
    private static final Pattern DUAL_CIDR = Pattern.compile("(?:/([0-9]+))?(?://([0-9]+))?");

    SpfRecord {
        directives = List.copyOf(directives);
    }

    /**
     * §4.5: whether a TXT record is an SPF record: "v=spf1" in any case, then a space or the end.
     * "v=spf10" and "v=spf1mx" are not.
     */
    static boolean isSpf(String txt) {
        return txt.regionMatches(true, 0, VERSION, 0, VERSION.length())
                && (txt.length() == VERSION.length() || txt.charAt(VERSION.length()) == ' ');
    }

    /** Parses a record that {@link #isSpf} accepted; any syntax error anywhere is a permerror (§4.6). */
    static SpfRecord parse(String txt) throws SyntaxError {
        for (int i = 0; i < txt.length(); i++) {
            char c = txt.charAt(i);
            // §3 and §4.6.1: a record is 7-bit ASCII and its terms are separated by spaces alone.
            if (c < 0x20 || c > 0x7e) throw new SyntaxError(String.format("U+%04X in the record: only printable ASCII and spaces are allowed", (int) c));
        }
        var directives = new ArrayList<Directive>();
        MacroString redirect = null, explanation = null;
        for (String term : txt.substring(VERSION.length()).split(" ")) {
            if (term.isEmpty()) continue; // §4.6.1: one or more spaces between terms, and after the last
            Matcher m = MODIFIER.matcher(term);
            if (!m.matches()) {
                directives.add(directive(term));
                continue;
            }
            String name = m.group(1).toLowerCase(Locale.ROOT);
            String value = m.group(2);
            switch (name) {
                case "redirect" -> {
                    if (redirect != null) throw new SyntaxError("redirect= twice"); // §6
                    redirect = domainSpec(value, term);
                }
                case "exp" -> {
                    if (explanation != null) throw new SyntaxError("exp= twice"); // §6
                    explanation = domainSpec(value, term);
                }
                default -> MacroString.parse(value); // §6: unknown modifiers are ignored, but must parse
            }
        }
        return new SpfRecord(directives, redirect, explanation);
    }

    private static Directive directive(String term) throws SyntaxError {
        Qualifier qualifier = Qualifier.of(term.charAt(0));
        String rest = qualifier == null ? term : term.substring(1);
        int end = 0;
        while (end < rest.length() && rest.charAt(end) != ':' && rest.charAt(end) != '/') end++;
        String name = rest.substring(0, end).toLowerCase(Locale.ROOT);
        String argument = rest.substring(end); // "", or starting with ':' or '/'
        Mechanism mechanism = switch (name) {
            case "all" -> {
                if (!argument.isEmpty()) throw new SyntaxError("'" + term + "': all takes no argument");
                yield new Mechanism.All();
            }
            case "include" -> new Mechanism.Include(domainSpec(required(argument, term), term));
            case "exists" -> new Mechanism.Exists(domainSpec(required(argument, term), term));
            case "ptr" -> {
                if (argument.startsWith("/")) throw new SyntaxError("'" + term + "': ptr takes no CIDR length");
                yield new Mechanism.Ptr(argument.isEmpty() ? null : domainSpec(argument.substring(1), term));
            }
            case "a", "mx" -> {
                MacroString domain = null;
                String cidr = argument;
                if (argument.startsWith(":")) {
                    Matcher m = TRAILING_CIDR.matcher(argument.substring(1));
                    if (!m.matches()) throw new AssertionError("every string matches " + TRAILING_CIDR);
                    domain = domainSpec(m.group(1), term);
                    cidr = m.group(2);
                }
                DualCidr lengths = dualCidr(cidr, term);
                yield name.equals("a") ? new Mechanism.A(domain, lengths) : new Mechanism.Mx(domain, lengths);
            }
            case "ip4" -> new Mechanism.Ip(network(required(argument, term), 4, term));
            case "ip6" -> new Mechanism.Ip(network(required(argument, term), 16, term));
            default -> throw new SyntaxError("'" + term + "': unknown mechanism '" + name + "'");
        };
        return new Directive(qualifier == null ? Qualifier.PASS : qualifier, mechanism, term);
    }

    /** The text after the ":" of a mechanism that must have one. */
    private static String required(String argument, String term) throws SyntaxError {
        if (!argument.startsWith(":")) throw new SyntaxError("'" + term + "' needs ':' and an argument");
        return argument.substring(1);
    }

    /**
     * §7.1: {@code domain-spec = macro-string domain-end}. Not empty, and checked as written: what
     * the macros expand to is not (a HELO name of "JUMPIN' JUPITER" does not make a record invalid).
     */
    private static MacroString domainSpec(String text, String term) throws SyntaxError {
        if (text.isEmpty()) throw new SyntaxError("'" + term + "': empty domain-spec");
        MacroString spec = MacroString.parse(text);
        if (!spec.hasDomainEnd()) throw new SyntaxError("'" + term + "': '" + text + "' does not end in a top-level label or a macro");
        return spec;
    }

    /** §5.6 {@code dual-cidr-length}: "/n" for IPv4, "//n" for IPv6, either or both, or nothing. */
    private static DualCidr dualCidr(String text, String term) throws SyntaxError {
        Matcher m = DUAL_CIDR.matcher(text);
        if (!m.matches()) throw new SyntaxError("'" + term + "': bad CIDR length '" + text + "'");
        int ip4 = m.group(1) == null ? 32 : prefixLength(m.group(1), 32, term);
        int ip6 = m.group(2) == null ? 128 : prefixLength(m.group(2), 128, term);
        return new DualCidr(ip4, ip6);
    }

    /** An {@code ip4-network} or {@code ip6-network} with its optional length (§5.6). */
    private static Network network(String text, int bytes, String term) throws SyntaxError {
        int slash = text.indexOf('/');
        String address = slash < 0 ? text : text.substring(0, slash);
        byte[] raw = bytes == 4 ? IpAddresses.ip4(address) : IpAddresses.ip6(address);
        if (raw == null) throw new SyntaxError("'" + term + "': '" + address + "' is not an IPv" + (bytes == 4 ? 4 : 6) + " address");
        int length = slash < 0 ? bytes * 8 : prefixLength(text.substring(slash + 1), bytes * 8, term);
        return new Network(bytes == 4 ? IpAddresses.v4(raw) : IpAddresses.v6(raw), length);
    }

    /**
     * A CIDR length: decimal without leading zeros (the grammar says so for {@code ip4-cidr-length};
     * the suite reads it that way for both), at most 32 or 128 (§5.6).
     */
    private static int prefixLength(String digits, int max, String term) throws SyntaxError {
        boolean decimal = digits.matches("0|[1-9][0-9]{0,2}");
        if (!decimal || Integer.parseInt(digits) > max) throw new SyntaxError("'" + term + "': bad CIDR length '/" + digits + "'");
        return Integer.parseInt(digits);
    }
}
