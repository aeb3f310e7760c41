package dev.facteur.dane;

import dev.facteur.dns.AddressAnswer;
import dev.facteur.dns.MxAnswer;
import dev.facteur.dns.Tlsa;
import dev.facteur.dns.Validated;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * RFC 7672 §2.2, "TLS discovery": from the DNSSEC status of the lookups that led to an MX host,
 * what DANE asks of the connection to it. No I/O: the caller asks DNS ({@code SecureDns}) and
 * passes the answers; the TLSA lookup is a supplier, asked only when its answer matters, since
 * RFC 7672 §2.2.3 looks up TLSA records only for hosts found securely.
 *
 * <table>
 * <caption>The decision, in the order it is made</caption>
 * <tr><th>lookup</th><th>answer</th><th>outcome</th><th>why</th></tr>
 * <tr><td>MX</td><td>bogus, or failed</td><td>TempFail</td><td>§2.1.1: a failed or bogus lookup is no answer; mail waits</td></tr>
 * <tr><td>MX</td><td>insecure</td><td>NotApplicable</td><td>§2.2.1: an attacker could have chosen the host (see below)</td></tr>
 * <tr><td>MX</td><td>secure, no host (null MX, NXDOMAIN)</td><td>NotApplicable</td><td>nothing to connect to</td></tr>
 * <tr><td>address</td><td>bogus, or failed</td><td>TempFail</td><td>§2.1.1: this host cannot be used now</td></tr>
 * <tr><td>address</td><td>insecure</td><td>NotApplicable</td><td>§2.2.3: TLSA records are looked up only for secure hosts</td></tr>
 * <tr><td>address</td><td>secure, none</td><td>NotApplicable</td><td>nothing to connect to</td></tr>
 * <tr><td>TLSA</td><td>bogus, or failed</td><td>TempFail</td><td>§2.2: the client must not connect to this host now</td></tr>
 * <tr><td>TLSA</td><td>insecure</td><td>NotApplicable</td><td>§2.2: unsigned TLSA records are not used</td></tr>
 * <tr><td>TLSA</td><td>secure, none (NODATA, NXDOMAIN)</td><td>NotApplicable</td><td>§2.2: no DANE; TLS as without it</td></tr>
 * <tr><td>TLSA</td><td>secure, some usable</td><td>Required</td><td>§2.2, §3: authenticated TLS or nothing</td></tr>
 * <tr><td>TLSA</td><td>secure, none usable</td><td>MandatoryTls</td><td>§2.2, §3.1: TLS without authentication, never plain text</td></tr>
 * </table>
 *
 * <p>§2.2.1 lets a client use the TLSA records of hosts found through insecure MX records too
 * (Postfix does, and logs such deliveries as "Trusted" rather than "Verified"). Facteur does not:
 * a host an attacker may have chosen proves nothing once authenticated, and requiring TLS of it
 * would only let a forged MX record make mail wait.
 */
public final class TlsDiscovery {

    private TlsDiscovery() {}

    /**
     * @param mx        the destination's MX lookup; for a host that is not found by MX (a relay named in
     *                  the configuration) pass a secure answer: its name comes from us, not from DNS
     * @param addresses the MX host's address lookup
     * @param tlsa      the TLSA lookup of the MX host ({@code _25._tcp.host}), asked only if needed
     */
    public static DaneOutcome decide(Validated<MxAnswer> mx, Validated<AddressAnswer> addresses, Supplier<Validated<List<Tlsa>>> tlsa) {
        switch (mx) {
            case Validated.Bogus<MxAnswer>(var reason) -> {
                return new DaneOutcome.TempFail("MX lookup is bogus: " + reason);
            }
            case Validated.TempFail<MxAnswer>(var reason) -> {
                return new DaneOutcome.TempFail("MX lookup failed: " + reason);
            }
            case Validated.Insecure<MxAnswer> insecure -> {
                return new DaneOutcome.NotApplicable("the MX records are not signed");
            }
            case Validated.Secure<MxAnswer>(var answer) -> {
                if (answer instanceof MxAnswer.NullMx || answer instanceof MxAnswer.NxDomain || answer instanceof MxAnswer.TempFail)
                    return new DaneOutcome.NotApplicable("no MX host");
            }
        }
        switch (addresses) {
            case Validated.Bogus<AddressAnswer>(var reason) -> {
                return new DaneOutcome.TempFail("address lookup is bogus: " + reason);
            }
            case Validated.TempFail<AddressAnswer>(var reason) -> {
                return new DaneOutcome.TempFail("address lookup failed: " + reason);
            }
            case Validated.Insecure<AddressAnswer> insecure -> {
                return new DaneOutcome.NotApplicable("the host's addresses are not signed");
            }
            case Validated.Secure<AddressAnswer>(var answer) -> {
                if (!(answer instanceof AddressAnswer.Found)) return new DaneOutcome.NotApplicable("the host has no address");
            }
        }
        return switch (tlsa.get()) {
            case Validated.Bogus<List<Tlsa>>(var reason) -> new DaneOutcome.TempFail("TLSA lookup is bogus: " + reason);
            case Validated.TempFail<List<Tlsa>>(var reason) -> new DaneOutcome.TempFail("TLSA lookup failed: " + reason);
            case Validated.Insecure<List<Tlsa>> insecure -> new DaneOutcome.NotApplicable("the TLSA records are not signed");
            case Validated.Secure<List<Tlsa>>(var records) when records.isEmpty() -> new DaneOutcome.NotApplicable("no TLSA records");
            case Validated.Secure<List<Tlsa>>(var records) -> {
                List<Tlsa> usable = Usability.usable(records);
                if (!usable.isEmpty()) yield new DaneOutcome.Required(usable);
                yield new DaneOutcome.MandatoryTls("no usable TLSA record: " + records.stream()
                        .flatMap(r -> Usability.whyUnusable(r).stream()).collect(Collectors.joining("; ")));
            }
        };
    }
}
