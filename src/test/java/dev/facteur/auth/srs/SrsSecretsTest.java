package dev.facteur.auth.srs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A secrets file in postsrsd's format, so that Facteur and postsrsd can share one. */
class SrsSecretsTest {

    @TempDir
    Path dir;

    private List<String> keysOf(String fileText) throws IOException {
        Path file = dir.resolve("srs.secret");
        Files.write(file, fileText.getBytes(StandardCharsets.UTF_8));
        return SrsSecrets.read(file).keys().stream().map(k -> new String(k, StandardCharsets.UTF_8)).toList();
    }

    @Test
    void eachNonEmptyLineIsASecretTheFirstSigning() throws IOException {
        assertThat(keysOf("new secret\n\nold-secret\n")).containsExactly("new secret", "old-secret");
    }

    @Test
    void lineEndsAreNotPartOfASecretButSpacesAre() throws IOException {
        assertThat(keysOf("crlf\r\n  spaced  \nno newline")).containsExactly("crlf", "  spaced  ", "no newline");
    }

    @Test
    void aHashLineIsASecretAsPostsrsdReadsIt() throws IOException {
        assertThat(keysOf("# not a comment\n")).containsExactly("# not a comment");
    }

    @Test
    void aFileWithoutSecretIsRefusedWithoutQuotingIt() {
        Path file = dir.resolve("empty.secret");
        assertThatThrownBy(() -> {
            Files.writeString(file, "\n\r\n\n");
            SrsSecrets.read(file);
        }).isInstanceOf(IOException.class).hasMessageContaining("no SRS secret");
    }

    @Test
    void theFileAndTheSameSecretsGivenInTheConfigurationSignAlike() throws IOException {
        Path file = dir.resolve("srs.secret");
        Files.writeString(file, "tops3cret\nold-secret\n");
        var fromFile = new SrsHash(SrsSecrets.read(file));
        var fromConfig = new SrsHash(SrsSecrets.of("tops3cret", "old-secret"));
        assertThat(fromFile.sign("jv", "example.org", "alice")).isEqualTo(fromConfig.sign("jv", "example.org", "alice"))
                .isEqualTo("zrNa");
    }
}
