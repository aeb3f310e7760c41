package dev.facteur.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

/**
 * Any text given as the configuration file: a {@link Config}, or a {@link ConfigException}
 * naming the file (and the line when there is one, within the file), never another exception.
 * An operator's typo must be told as {@code file:line: key: problem}, not as a stack trace.
 */
class ConfigLoaderFuzzTest {

    private static final Pattern WHERE = Pattern.compile("fuzz\\.toml(?::(\\d+))?: .+", Pattern.DOTALL);

    @FuzzTest(maxDuration = "10m")
    void anyTextIsAConfigurationOrAnErrorWithFileAndLine(byte[] input) {
        String text = new String(input, StandardCharsets.UTF_8);
        // Without it the loader asks the system for the host name on every run.
        String toml = "hostname = \"mx.example.test\"\n" + text;
        try {
            Config c = ConfigLoader.parse(toml, "fuzz.toml");
            assertThat(c.smtp().listen()).isNotEmpty();
        } catch (ConfigException e) {
            var m = WHERE.matcher(e.getMessage());
            assertThat(m.matches()).as("file and line in: %s", e.getMessage()).isTrue();
            if (m.group(1) != null) assertThat(Integer.parseInt(m.group(1))).isBetween(1, (int) toml.lines().count() + 1);
        }
    }
}
