package dev.facteur.routing;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Any text as an aliases, canonical or transport file: entries with a key and a value, or
 * {@link MapFile.Invalid} naming the file and a line within it. Entries written back one per
 * line, as {@code key:value}, parse to the same keys and values.
 */
class MapFileFuzzTest {

    @FuzzTest(maxDuration = "10m")
    void anyTextIsEntriesOrAnErrorWithItsLine(byte[] input) {
        String text = new String(input, StandardCharsets.UTF_8);
        List<MapFile.Entry> entries;
        try {
            entries = MapFile.parse(text, "fuzz");
        } catch (MapFile.Invalid e) {
            assertThat(e.getMessage()).matches("(?s)fuzz:[1-9][0-9]*: .+");
            int line = Integer.parseInt(e.getMessage().split(":")[1]);
            assertThat(line).isLessThanOrEqualTo(text.split("\r?\n", -1).length);
            return;
        }
        int previous = 0;
        StringBuilder written = new StringBuilder();
        for (MapFile.Entry e : entries) {
            assertThat(e.key()).isNotEmpty().doesNotContain(":").matches("\\S+");
            assertThat(e.value()).isNotEmpty().isEqualTo(e.value().strip());
            assertThat(e.line()).isGreaterThan(previous);
            previous = e.line();
            // "key:value": a value may start with "#" ("alias:#x"), which after a space would be a comment
            written.append(e.key()).append(':').append(e.value()).append('\n');
        }
        List<MapFile.Entry> again;
        try {
            again = MapFile.parse(written.toString(), "again");
        } catch (MapFile.Invalid e) {
            throw new AssertionError("entries written back do not parse: " + written, e);
        }
        assertThat(again).extracting(MapFile.Entry::key, MapFile.Entry::value)
                .isEqualTo(entries.stream().map(e -> org.assertj.core.groups.Tuple.tuple(e.key(), e.value())).toList());
    }
}
