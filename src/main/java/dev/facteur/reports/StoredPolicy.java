package dev.facteur.reports;

import dev.facteur.auth.dmarc.DmarcRecord;
import dev.facteur.auth.dmarc.Psd;
import dev.facteur.auth.dmarc.ReportUri;
import java.util.List;
import java.util.StringJoiner;
import java.util.stream.Collectors;

/**
 * A Policy Domain's DMARC record as the store keeps it: written back as a DMARC TXT record
 * ({@code v=DMARC1; p=reject; rua=mailto:...}), which {@link DmarcRecord#parse} reads into an
 * equal record. A person reading the store sees what DNS said, and the report's
 * {@code policy_published} and its {@code rua} come from the record seen while the mail came,
 * not from DNS at the time of sending.
 */
final class StoredPolicy {

    private StoredPolicy() {}

    static String write(DmarcRecord r) {
        var t = new StringJoiner("; ");
        t.add("v=DMARC1");
        // A record read "as if p=none" (no valid p, but a rua) is written without p, and reads back so.
        if (!r.pAssumed()) t.add("p=" + r.p().token());
        r.sp().ifPresent(sp -> t.add("sp=" + sp.token()));
        r.np().ifPresent(np -> t.add("np=" + np.token()));
        t.add("adkim=" + r.adkim().token());
        t.add("aspf=" + r.aspf().token());
        if (r.psd() != Psd.UNKNOWN) t.add("psd=" + r.psd().token());
        r.t().ifPresent(testing -> t.add("t=" + (testing ? "y" : "n")));
        if (r.pct().isPresent()) t.add("pct=" + r.pct().getAsInt());
        t.add("fo=" + r.fo());
        if (!r.rua().isEmpty()) t.add("rua=" + uris(r.rua()));
        if (!r.ruf().isEmpty()) t.add("ruf=" + uris(r.ruf()));
        if (r.ri() != DmarcRecord.DEFAULT_INTERVAL) t.add("ri=" + r.ri());
        return t.toString();
    }

    static DmarcRecord read(String text) {
        return switch (DmarcRecord.parse(text)) {
            case DmarcRecord.Parse.Valid(DmarcRecord r) -> r;
            case DmarcRecord.Parse.Unusable(String reason) -> throw new IllegalArgumentException("a stored policy that does not read back: " + reason);
            case DmarcRecord.Parse.NotDmarc() -> throw new IllegalArgumentException("a stored policy that is not DMARC: " + text);
        };
    }

    /** Commas and "!" inside a URI were percent-encoded in the record, so the URIs as published join safely. */
    private static String uris(List<ReportUri> uris) {
        return uris.stream().map(u -> u.uri() + (u.sizeLimit().isPresent() ? "!" + u.sizeLimit().getAsLong() : ""))
                .collect(Collectors.joining(","));
    }
}
