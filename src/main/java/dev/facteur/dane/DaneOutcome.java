package dev.facteur.dane;

import dev.facteur.dns.Tlsa;
import java.util.List;

/** What DANE asks of the connection to one MX host ({@link TlsDiscovery}, RFC 7672 §2.2). */
public sealed interface DaneOutcome {

    /** Whether the host publishes TLSA records, usable or not: TLS or nothing, and DANE rather than MTA-STS decides. */
    default boolean requiresTls() {
        return this instanceof Required || this instanceof MandatoryTls;
    }

    /**
     * DANE does not apply: the host was not found securely, or publishes no TLSA records. Delivery
     * goes on as it would without DANE (opportunistic STARTTLS, or MTA-STS if the domain has a policy).
     */
    record NotApplicable(String why) implements DaneOutcome {}

    /**
     * Authenticated TLS, or no delivery to this host: STARTTLS must be offered and succeed, and the
     * chain must match one of these records ({@link DaneTls#context}). Never plain text, and
     * MTA-STS is not consulted (RFC 8461 §2: DANE takes precedence).
     *
     * @param records the usable records, as {@link Usability#usable} keeps them; never empty
     */
    record Required(List<Tlsa> records) implements DaneOutcome {
        public Required {
            if (records.isEmpty()) throw new IllegalArgumentException("no usable TLSA record: that is MandatoryTls");
            records = List.copyOf(records);
        }
    }

    /**
     * TLSA records are published but none is usable: the server says it does TLS, so TLS it must
     * be, without authentication, and never plain text (RFC 7672 §2.2, RFC 7671 §10.3).
     */
    record MandatoryTls(String why) implements DaneOutcome {}

    /**
     * DNSSEC could not say whether DANE applies (a bogus or indeterminate answer, or a failed
     * lookup): this host must not be used now, lest an attacker's tampering downgrade it (RFC 7672
     * §2.1.1, §2.2). Other MX hosts may still be; with none left, the message is deferred.
     */
    record TempFail(String reason) implements DaneOutcome {}
}
