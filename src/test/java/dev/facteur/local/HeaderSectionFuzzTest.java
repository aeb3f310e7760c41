package dev.facteur.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.facteur.testing.Pieces;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Any message content, in any pieces: the values of a header field are those a line-by-line
 * RFC 5322 reading of the whole content finds (fields up to the first empty line, bodies
 * unfolded), and nothing but an IOException could come out.
 */
class HeaderSectionFuzzTest {

    @FuzzTest(maxDuration = "10m")
    void valuesAreThoseOfTheUnfoldedHeaderSection(FuzzedDataProvider data) throws IOException {
        String name = data.pickValue(new String[] {"Delivered-To", "Subject", "X", "received"});
        Pieces content = Pieces.from(data, 1 << 12);
        byte[] all = content.readAllBytes();
        content.reset();
        List<String> values = HeaderSection.values(content, name);
        assertThat(values).doesNotContainNull().allSatisfy(v -> assertThat(v).doesNotContain("\n").isEqualTo(v.strip()));
        if (all.length < HeaderSection.MAX_BYTES) assertThat(values).isEqualTo(reference(all, name));
    }

    /**
     * RFC 5322 §2.1: the header section ends at the first empty line; §2.2: a field is a name and
     * a colon on one line, then its body, which §2.2.3 unfolds: lines starting with white space
     * continue it. A line without a colon starts no field, and what folds onto it is not one.
     */
    private static List<String> reference(byte[] content, String name) {
        List<String> out = new ArrayList<>();
        StringBuilder body = null; // of the field being read, while it is one we want
        for (String line : new String(content, StandardCharsets.UTF_8).split("\n", -1)) {
            String text = line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
            if (text.isEmpty()) break;
            if (text.startsWith(" ") || text.startsWith("\t")) {
                if (body != null) body.append(text);
                continue;
            }
            if (body != null) out.add(body.toString().strip());
            int colon = text.indexOf(':');
            boolean wanted = colon > 0 && text.substring(0, colon).strip().toLowerCase(Locale.ROOT).equals(name.toLowerCase(Locale.ROOT));
            body = wanted ? new StringBuilder(text.substring(colon + 1)) : null;
        }
        if (body != null) out.add(body.toString().strip());
        return out;
    }
}
