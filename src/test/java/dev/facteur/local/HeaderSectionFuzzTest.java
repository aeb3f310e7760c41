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
 * Any message content, in any pieces: the values of a header field are those an RFC 5322
 * reading finds (up to the first empty line, unfold, then split into fields), and nothing but
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

    /**
     * RFC 5322 §2.1: the header section ends at the first empty line; §2.2.3: within it, unfolding
     * removes each line break before white space; then one field per line.
     */
    private static List<String> reference(byte[] content, String name) {
        List<String> section = new ArrayList<>();
        for (String line : new String(content, StandardCharsets.UTF_8).split("\n", -1)) {
            String text = line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
            if (text.isEmpty()) break;
            section.add(text);
        }
        List<String> out = new ArrayList<>();
        for (String field : String.join("\n", section).replaceAll("\n(?=[ \t])", "").split("\n", -1)) {
            if (field.startsWith(" ") || field.startsWith("\t")) continue; // folded text before any field
            int colon = field.indexOf(':');
            if (colon > 0 && field.substring(0, colon).strip().toLowerCase(Locale.ROOT).equals(name.toLowerCase(Locale.ROOT)))
                out.add(field.substring(colon + 1).strip());
        }
        return out;
    }
}
