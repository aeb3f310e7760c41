package dev.facteur.auth.dmarc;

import dev.facteur.auth.dmarc.ReportRecord.DkimResult;
import dev.facteur.auth.dmarc.ReportRecord.OverrideReason;
import dev.facteur.auth.dmarc.ReportRecord.SpfResult;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Writes the {@code feedback} document of RFC 7489 Appendix C, version 1.0, without a namespace,
 * as receivers send it; with DMARCbis's {@code np} and {@code testing} when the record had them.
 *
 * <p>Much of what goes in comes from the wire or from DNS (domains, selectors, comments), so every
 * text is escaped, and characters XML 1.0 cannot carry at all (most controls, lone surrogates,
 * U+FFFE/U+FFFF) are replaced by U+FFFD: the report stays well-formed and still shows that
 * something was there.
 */
final class FeedbackWriter {

    private final StringBuilder out = new StringBuilder(4096);
    private int depth;

    static byte[] write(AggregateReport report) {
        var w = new FeedbackWriter();
        w.document(report);
        return w.out.toString().getBytes(StandardCharsets.UTF_8);
    }

    private void document(AggregateReport r) {
        out.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        open("feedback");
        element("version", "1.0");
        metadata(r.metadata());
        policy(r.policy());
        for (ReportRow row : r.rows()) record(row);
        close("feedback");
    }

    private void metadata(ReportMetadata m) {
        open("report_metadata");
        element("org_name", m.orgName());
        element("email", m.email());
        element("extra_contact_info", m.extraContactInfo());
        element("report_id", m.reportId());
        open("date_range");
        element("begin", Long.toString(m.begin().getEpochSecond()));
        element("end", Long.toString(m.end().getEpochSecond()));
        close("date_range");
        close("report_metadata");
    }

    private void policy(PolicyPublished p) {
        open("policy_published");
        element("domain", p.domain());
        element("adkim", p.adkim().token());
        element("aspf", p.aspf().token());
        element("p", p.p().token());
        element("sp", p.sp().token());
        element("np", p.np().map(Policy::token));
        if (p.pct().isPresent()) element("pct", Integer.toString(p.pct().getAsInt()));
        element("fo", p.fo());
        element("testing", p.testing().map(t -> t ? "y" : "n"));
        close("policy_published");
    }

    private void record(ReportRow row) {
        ReportRecord r = row.record();
        open("record");
        open("row");
        element("source_ip", address(r.sourceIp()));
        element("count", Long.toString(row.count()));
        open("policy_evaluated");
        element("disposition", r.policyEvaluated().disposition().token());
        element("dkim", r.policyEvaluated().dkimAligned() ? "pass" : "fail");
        element("spf", r.policyEvaluated().spfAligned() ? "pass" : "fail");
        for (OverrideReason reason : r.policyEvaluated().reasons()) {
            open("reason");
            element("type", reason.type());
            element("comment", reason.comment());
            close("reason");
        }
        close("policy_evaluated");
        close("row");
        open("identifiers");
        element("header_from", r.identifiers().headerFrom());
        element("envelope_from", r.identifiers().envelopeFrom());
        element("envelope_to", r.identifiers().envelopeTo());
        close("identifiers");
        open("auth_results");
        for (DkimResult d : r.dkim()) {
            open("dkim");
            element("domain", d.domain());
            element("selector", d.selector());
            element("result", d.result());
            element("human_result", d.humanResult());
            close("dkim");
        }
        for (SpfResult s : r.spf()) {
            open("spf");
            element("domain", s.domain());
            element("scope", s.scope().map(AuthResults.SpfScope::token));
            element("result", s.result());
            element("human_result", s.humanResult());
            close("spf");
        }
        close("auth_results");
        close("record");
    }

    private void open(String name) {
        indent();
        out.append('<').append(name).append(">\n");
        depth++;
    }

    private void close(String name) {
        depth--;
        indent();
        out.append("</").append(name).append(">\n");
    }

    private void element(String name, Optional<String> text) {
        text.ifPresent(t -> element(name, t));
    }

    private void element(String name, String text) {
        indent();
        out.append('<').append(name).append('>');
        escape(text);
        out.append("</").append(name).append(">\n");
    }

    private void indent() {
        out.repeat("  ", depth);
    }

    private void escape(String text) {
        text.codePoints().forEach(c -> {
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '\r' -> out.append("&#13;"); // a parser would turn a raw CR into LF
                default -> out.appendCodePoint(legal(c) ? c : 0xFFFD);
            }
        });
    }

    /** XML 1.0 §2.2 Char. */
    static boolean legal(int c) {
        return c == 0x9 || c == 0xA || c == 0xD || c >= 0x20 && c <= 0xD7FF || c >= 0xE000 && c <= 0xFFFD
                || c >= 0x10000 && c <= 0x10FFFF;
    }

    /** IPv4 dotted; IPv6 in RFC 5952's short form, as reports usually carry it. */
    static String address(InetAddress a) {
        if (!(a instanceof Inet6Address)) return a.getHostAddress();
        byte[] b = a.getAddress();
        int[] groups = new int[8];
        for (int i = 0; i < 8; i++) groups[i] = (b[2 * i] & 0xff) << 8 | b[2 * i + 1] & 0xff;
        int bestStart = -1, bestLen = 1; // §4.2.2: "::" never stands for a single group
        for (int i = 0; i < 8; ) {
            if (groups[i] != 0) { i++; continue; }
            int j = i;
            while (j < 8 && groups[j] == 0) j++;
            if (j - i > bestLen) { bestStart = i; bestLen = j - i; }
            i = j;
        }
        var s = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                s.append("::");
                i += bestLen - 1;
                continue;
            }
            if (!s.isEmpty() && s.charAt(s.length() - 1) != ':') s.append(':');
            s.append(Integer.toHexString(groups[i]));
        }
        return s.toString();
    }
}
