package dev.facteur.testing;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.zip.GZIPInputStream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * A DMARC aggregate report email, read back as a receiver reads it: the gzipped attachment
 * decoded and parsed, with its values found by element path.
 */
public final class DmarcReportMail {

    private final String message;
    private final Document xml;

    private DmarcReportMail(String message, Document xml) {
        this.message = message;
        this.xml = xml;
    }

    /** {@code message}: the whole email, as queued or as a receiver dumped it. */
    public static DmarcReportMail read(String message) {
        String m = message.replace("\r\n", "\n");
        int name = m.indexOf("filename=\"");
        if (name < 0) throw new IllegalArgumentException("no attachment in:\n" + message);
        int start = m.indexOf("\n\n", name) + 2;
        int end = m.indexOf("\n\n", start);
        byte[] gz = Base64.getMimeDecoder().decode(m.substring(start, end));
        try (var in = new GZIPInputStream(new ByteArrayInputStream(gz))) {
            byte[] bytes = in.readAllBytes();
            var factory = DocumentBuilderFactory.newInstance();
            factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            return new DmarcReportMail(message, factory.newDocumentBuilder().parse(new ByteArrayInputStream(bytes)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (Exception e) {
            throw new IllegalArgumentException("the attachment is not a report: " + e, e);
        }
    }

    public String message() {
        return message;
    }

    /** The attachment's file name. */
    public String fileName() {
        String m = message.replace("\r\n", "\n");
        int at = m.indexOf("filename=\"") + 10;
        return m.substring(at, m.indexOf('"', at));
    }

    /** The text of the first element at {@code path} ("policy_published/p"), or null. */
    public String text(String path) {
        List<String> all = texts(xml.getDocumentElement(), path);
        return all.isEmpty() ? null : all.getFirst();
    }

    /** One list of the values of {@code fields} (paths under {@code record}) per record, in order, e.g. "row/source_ip". */
    public List<List<String>> records(String... fields) {
        List<List<String>> out = new ArrayList<>();
        NodeList records = xml.getDocumentElement().getElementsByTagName("record");
        for (int i = 0; i < records.getLength(); i++) {
            List<String> values = new ArrayList<>();
            for (String f : fields) {
                List<String> t = texts((Element) records.item(i), f);
                values.add(t.isEmpty() ? null : String.join(",", t));
            }
            out.add(values);
        }
        return out;
    }

    private static List<String> texts(Element from, String path) {
        List<Element> level = List.of(from);
        for (String name : path.split("/")) {
            List<Element> next = new ArrayList<>();
            for (Element e : level) {
                for (var n = e.getFirstChild(); n != null; n = n.getNextSibling())
                    if (n instanceof Element c && c.getTagName().equals(name)) next.add(c);
            }
            level = next;
        }
        return level.stream().map(e -> e.getTextContent().strip()).toList();
    }

    @Override
    public String toString() {
        return message;
    }
}
