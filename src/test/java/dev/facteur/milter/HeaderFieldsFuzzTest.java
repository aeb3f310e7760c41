package dev.facteur.milter;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.facteur.testing.Pieces;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Any content, in any pieces: the fields and the body are those a line-by-line reading of the
 * whole content finds, and the body is exactly the bytes after the header section.
 */
class HeaderFieldsFuzzTest {

    @FuzzTest(maxDuration = "10m")
    void fieldsAndBodyAreThoseOfALineByLineReading(FuzzedDataProvider data) throws IOException {
        int maxField = data.consumeInt(1, 300);
        Pieces content = Pieces.from(data, 1 << 12);
        byte[] all = content.readAllBytes();
        content.reset();
        var fields = new HeaderFields(content, maxField);
        List<String> got = new ArrayList<>();
        for (HeaderFields.Field f; (f = fields.next()) != null; ) got.add(latin1(f.name()) + ":" + latin1(f.value()));
        got.add(latin1(fields.body().readAllBytes()));
        assertThat(got).isEqualTo(reference(all, maxField));
    }

    /**
     * Lines split after each LF. The header section ends at an empty line (dropped) or at a line
     * that is no "name: value" field (kept for the body). Continuations start with SP or HT.
     */
    private static List<String> reference(byte[] content, int maxField) {
        String text = latin1(content);
        List<String> lines = new ArrayList<>();
        for (int start = 0; start < text.length(); ) {
            int lf = text.indexOf('\n', start);
            int end = lf < 0 ? text.length() : lf + 1;
            lines.add(text.substring(start, end));
            start = end;
        }
        List<String> out = new ArrayList<>();
        int i = 0;
        while (i < lines.size()) {
            String line = lines.get(i);
            if (line.equals("\n") || line.equals("\r\n")) {
                i++;
                break;
            }
            if (!line.matches("(?s)[\\x21-\\x39\\x3b-\\x7e]+[ \\t]*:.*") || line.indexOf(':') > 998) break;
            StringBuilder raw = new StringBuilder(line);
            i++;
            while (i < lines.size() && (lines.get(i).startsWith(" ") || lines.get(i).startsWith("\t"))) raw.append(lines.get(i++));
            int keep = Math.max(maxField, raw.indexOf(":") + 1); // the name whole, whatever the limit
            String kept = raw.length() > keep ? raw.substring(0, keep) : raw.toString();
            int colon = kept.indexOf(':');
            String value = kept.substring(colon + 1).replace("\r\n", "\n");
            if (value.endsWith("\n")) value = value.substring(0, value.length() - 1);
            out.add(kept.substring(0, colon).replaceAll("[ \\t]+$", "") + ":" + value);
        }
        var body = new ByteArrayOutputStream();
        for (int k = i; k < lines.size(); k++) body.writeBytes(lines.get(k).getBytes(StandardCharsets.ISO_8859_1));
        out.add(latin1(body.toByteArray()));
        return out;
    }

    private static String latin1(byte[] b) {
        return new String(b, StandardCharsets.ISO_8859_1);
    }
}
