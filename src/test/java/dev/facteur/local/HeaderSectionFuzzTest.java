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
 * Any message content, in any pieces: the values of a header field are those an RFC 5322 §2.2.3
 * reading finds (unfold, then split into fields, up to the first empty line), and nothing but
 * an IOException could come out.
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

    /** RFC 5322 §2.2.3: unfolding removes a line break before white space; then one field per line. */
    private static List<String> reference(byte[] content, String name) {
        String text = new String(content, StandardCharsets.UTF_8);
        String unfolded = text.replaceAll("\r?\n(?=[ \t])", "");
        List<String> out = new ArrayList<>();
        for (String line : unfolded.split("\r?\n", -1)) {
            if (line.isEmpty()) break;
            if (line.startsWith(" ") || line.startsWith("\t")) continue; // folded text before any field
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).strip().toLowerCase(Locale.ROOT).equals(name.toLowerCase(Locale.ROOT)))
                out.add(line.substring(colon + 1).strip());
        }
        return out;
    }
}
