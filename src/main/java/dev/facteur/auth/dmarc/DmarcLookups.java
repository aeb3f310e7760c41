package dev.facteur.auth.dmarc;

import dev.facteur.dns.DnsResolver;
import dev.facteur.dns.TxtAnswer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code _dmarc.<name>} TXT questions of one message's evaluation, each asked once: policy
 * discovery and the Organizational Domain walks of the Author Domain and the identifiers ask for
 * the same names. Not thread-safe; one per evaluation.
 */
final class DmarcLookups {

    /** What one name publishes. */
    sealed interface AtName {
        record Record(String name, DmarcRecord record) implements AtName {}

        record Unusable(String name, String reason) implements AtName {}

        /** Nothing to use: no record, or several (all discarded). */
        record Nothing(String note) implements AtName {}

        record TempFail(String reason) implements AtName {}
    }

    private final DnsResolver dns;
    private final Map<String, AtName> answers = new HashMap<>();

    DmarcLookups(DnsResolver dns) {
        this.dns = dns;
    }

    AtName at(String name) {
        return answers.computeIfAbsent(name, this::ask);
    }

    private AtName ask(String name) {
        String query = "_dmarc." + name;
        if (query.length() > 253) return new AtName.Nothing(query + " is longer than DNS allows");
        return switch (dns.txt(query)) {
            case TxtAnswer.Records(List<String> texts) -> pick(name, texts);
            case TxtAnswer.NxDomain() -> new AtName.Nothing("no DMARC record at " + query);
            case TxtAnswer.NoRecords() -> new AtName.Nothing("no DMARC record at " + query);
            case TxtAnswer.TempFail(String reason) -> new AtName.TempFail("TXT " + query + ": " + reason);
        };
    }

    /**
     * §4.10 step 2: records that do not start with {@code v=DMARC1} are discarded, and so are all
     * of them when more than one does (RFC 7489 §6.6.3 step 5 likewise ends with "no policy").
     */
    private static AtName pick(String name, List<String> texts) {
        List<DmarcRecord.Parse> dmarc = new ArrayList<>();
        for (String text : texts) {
            DmarcRecord.Parse parse = DmarcRecord.parse(text);
            if (!(parse instanceof DmarcRecord.Parse.NotDmarc)) dmarc.add(parse);
        }
        if (dmarc.isEmpty()) return new AtName.Nothing("no DMARC record at _dmarc." + name);
        if (dmarc.size() > 1) return new AtName.Nothing(dmarc.size() + " DMARC records at _dmarc." + name + ", all discarded");
        return switch (dmarc.getFirst()) {
            case DmarcRecord.Parse.Valid(DmarcRecord record) -> new AtName.Record(name, record);
            case DmarcRecord.Parse.Unusable(String reason) -> new AtName.Unusable(name, "_dmarc." + name + ": " + reason);
            case DmarcRecord.Parse.NotDmarc() -> throw new AssertionError("filtered above");
        };
    }
}
