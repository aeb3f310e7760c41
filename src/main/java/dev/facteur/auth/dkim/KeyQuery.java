package dev.facteur.auth.dkim;

import dev.facteur.dns.DnsResolver;
import dev.facteur.dns.TxtAnswer;

/**
 * Fetches a key record from DNS (RFC 6376 §3.6.2, §6.1.2), for DKIM and for ARC (RFC 8617 §5.2.1).
 * When a name has several TXT records, the first in DNS order that reads as a key record is
 * used and the others are skipped (§6.1.2 step 3 leaves the choice to the verifier): a stray
 * record at the name, an SPF record for one, does not hide the key. Only one key is ever tried,
 * so a name stuffed with records costs one signature check.
 */
public final class KeyQuery {

    /** What DNS gave for a key. */
    public sealed interface Answer {
        /** A key record that reads. Whether it fits a given signature is {@link KeyRecord#checkUsable}'s question. */
        record Found(KeyRecord record) implements Answer {}

        /** No key: the name does not exist, holds no TXT record, or none that reads. A permanent error. */
        record Unusable(String reason) implements Answer {}

        /** DNS did not answer; a later attempt may (temperror). */
        record TempFail(String reason) implements Answer {}
    }

    private KeyQuery() {}

    /** The key named {@code selector._domainkey.domain}. */
    public static Answer fetch(DnsResolver dns, String selector, String domain) {
        return read(selector + "._domainkey." + domain, dns.txt(selector + "._domainkey." + domain));
    }

    /** What {@code answer}, DNS's answer for {@code name}, says about the key. */
    public static Answer read(String name, TxtAnswer answer) {
        return switch (answer) {
            case TxtAnswer.NxDomain() -> new Answer.Unusable("no key for " + name + " (NXDOMAIN)");
            case TxtAnswer.NoRecords() -> new Answer.Unusable("no key for " + name + " (no TXT record)");
            case TxtAnswer.TempFail(String reason) -> new Answer.TempFail("key lookup of " + name + " failed: " + reason);
            case TxtAnswer.Records(var records) -> {
                PermFail first = null;
                for (String record : records) {
                    try {
                        yield new Answer.Found(KeyRecord.parse(record));
                    } catch (PermFail e) {
                        if (first == null) first = e;
                    }
                }
                yield new Answer.Unusable(first.getMessage() + " (" + name + ")");
            }
        };
    }
}
