package dev.facteur.auth.dmarc;

import dev.facteur.auth.dmarc.AuthResults.SpfScope;
import dev.facteur.auth.dmarc.ReportRecord.DkimResult;
import dev.facteur.auth.dmarc.ReportRecord.Identifiers;
import dev.facteur.auth.dmarc.ReportRecord.OverrideReason;
import dev.facteur.auth.dmarc.ReportRecord.PolicyEvaluated;
import dev.facteur.auth.dmarc.ReportRecord.SpfResult;
import java.io.ByteArrayInputStream;
import java.net.InetAddress;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalInt;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

/**
 * A small reader of aggregate reports for the tests: the JDK's parser (namespace-aware, so the
 * {@code dmarc-2.0} namespace of RFC 9990 reads the same as none), elements by local name,
 * unknown elements ignored, absent tags at their defaults.
 */
final class FeedbackReader {

    private FeedbackReader() {}

    static Document parse(byte[] xml) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        return f.newDocumentBuilder().parse(new ByteArrayInputStream(xml));
    }

    static AggregateReport read(byte[] xml) throws Exception {
        Element feedback = parse(xml).getDocumentElement();
        Element meta = child(feedback, "report_metadata").orElseThrow();
        Element range = child(meta, "date_range").orElseThrow();
        var metadata = new ReportMetadata(text(meta, "org_name").orElseThrow(), text(meta, "email").orElseThrow(),
                text(meta, "extra_contact_info"), text(meta, "report_id").orElseThrow(),
                Instant.ofEpochSecond(Long.parseLong(text(range, "begin").orElseThrow())),
                Instant.ofEpochSecond(Long.parseLong(text(range, "end").orElseThrow())));

        Element pp = child(feedback, "policy_published").orElseThrow();
        Policy p = policy(text(pp, "p").orElseThrow());
        var policy = new PolicyPublished(text(pp, "domain").orElseThrow(), mode(text(pp, "adkim")), mode(text(pp, "aspf")), p,
                text(pp, "sp").map(FeedbackReader::policy).orElse(p), text(pp, "np").map(FeedbackReader::policy),
                text(pp, "pct").map(v -> OptionalInt.of(Integer.parseInt(v))).orElse(OptionalInt.empty()),
                text(pp, "fo").orElse("0"), text(pp, "testing").map(t -> t.equals("y")));

        List<ReportRow> rows = new ArrayList<>();
        for (Element record : children(feedback, "record")) rows.add(row(record));
        return new AggregateReport(metadata, policy, rows);
    }

    private static ReportRow row(Element record) {
        Element row = child(record, "row").orElseThrow();
        Element pe = child(row, "policy_evaluated").orElseThrow();
        List<OverrideReason> reasons = children(pe, "reason").stream()
                .map(r -> new OverrideReason(text(r, "type").orElseThrow(), text(r, "comment"))).toList();
        var evaluated = new PolicyEvaluated(policy(text(pe, "disposition").orElseThrow()), text(pe, "dkim").orElseThrow().equals("pass"),
                text(pe, "spf").orElseThrow().equals("pass"), reasons);
        Element ids = child(record, "identifiers").orElseThrow();
        var identifiers = new Identifiers(text(ids, "header_from").orElseThrow(), text(ids, "envelope_from"), text(ids, "envelope_to"));
        Element auth = child(record, "auth_results").orElseThrow();
        List<DkimResult> dkim = children(auth, "dkim").stream().map(d -> new DkimResult(text(d, "domain").orElseThrow(),
                text(d, "selector"), text(d, "result").orElseThrow(), text(d, "human_result"))).toList();
        List<SpfResult> spf = children(auth, "spf").stream().map(s -> new SpfResult(text(s, "domain").orElseThrow(),
                text(s, "scope").map(v -> SpfScope.valueOf(v.toUpperCase(Locale.ROOT))), text(s, "result").orElseThrow(),
                text(s, "human_result"))).toList();
        var message = new ReportRecord(InetAddress.ofLiteral(text(row, "source_ip").orElseThrow()), evaluated, identifiers, dkim, spf);
        return new ReportRow(message, Long.parseLong(text(row, "count").orElseThrow()));
    }

    private static Policy policy(String v) {
        return Policy.parse(v).orElseThrow(() -> new IllegalArgumentException("not a DMARC 1.0 policy or disposition: " + v));
    }

    private static AlignmentMode mode(Optional<String> v) {
        return v.filter("s"::equals).map(s -> AlignmentMode.STRICT).orElse(AlignmentMode.RELAXED);
    }

    static List<Element> children(Element parent, String name) {
        List<Element> out = new ArrayList<>();
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && name.equals(e.getLocalName())) out.add(e);
        }
        return out;
    }

    static Optional<Element> child(Element parent, String name) {
        return children(parent, name).stream().findFirst();
    }

    static Optional<String> text(Element parent, String name) {
        return child(parent, name).map(e -> e.getTextContent().strip());
    }
}
