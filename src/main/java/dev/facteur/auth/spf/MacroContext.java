package dev.facteur.auth.spf;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.time.Clock;
import java.util.function.UnaryOperator;

/**
 * What the macros of §7.3 stand for during one check: all but {@code d} (the domain whose record
 * is being read) and {@code p} (which needs DNS, so only asked for when a record uses it) are
 * fixed when the check starts.
 *
 * @param ip        the client, IPv4 when it is IPv4-mapped
 * @param sender    {@code s}: the sender, {@code postmaster@} something when it had no local-part
 * @param helo      {@code h}: the HELO/EHLO name as the client gave it
 * @param receiver  {@code r}: this host's name, for explanations
 * @param clock     for {@code t}, the time of the check
 * @param validated {@code p}: the validated name of the client (§5.5) best fitting a domain, or "unknown"
 */
record MacroContext(InetAddress ip, String sender, String helo, String receiver, Clock clock, UnaryOperator<String> validated) {

    /** The value of each macro letter, given in lower case. */
    @FunctionalInterface
    interface Values {
        String value(char letter);
    }

    /** {@code l}: the sender's local-part (everything before the last "@"). */
    String localPart() {
        return sender.substring(0, sender.lastIndexOf('@'));
    }

    /** {@code o}: the sender's domain. */
    String senderDomain() {
        return sender.substring(sender.lastIndexOf('@') + 1);
    }

    /** The values while the record of {@code domain} is being read. */
    Values at(String domain) {
        return letter -> switch (letter) {
            case 's' -> sender;
            case 'l' -> localPart();
            case 'o' -> senderDomain();
            case 'd' -> domain;
            case 'i' -> IpAddresses.dotted(ip);
            case 'p' -> validated.apply(domain);
            case 'v' -> ip instanceof Inet4Address ? "in-addr" : "ip6";
            case 'h' -> helo;
            case 'c' -> IpAddresses.readable(ip);
            case 'r' -> receiver;
            case 't' -> Long.toString(clock.instant().getEpochSecond());
            default -> throw new IllegalArgumentException("no macro letter '" + letter + "'"); // the parser allows none other
        };
    }
}
