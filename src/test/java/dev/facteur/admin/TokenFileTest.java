package dev.facteur.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The token file's lines, {@code TOKEN [read|operate] [# note]}: a token written alone keeps the
 * power every token had before scopes; a word that is not a scope stops the start; and
 * {@code facteur admin add-token} adds lines the server accepts.
 */
class TokenFileTest {

    @TempDir
    Path dir;

    private final String a = TokenFile.newToken();
    private final String b = TokenFile.newToken();
    private final String c = TokenFile.newToken();

    private List<Token> parse(String text) throws IOException {
        return TokenFile.parse(text, dir.resolve("admin.token"));
    }

    @Test
    void aTokenAloneMayOperateAndAScopeSaysOtherwise() throws IOException {
        List<Token> tokens = parse("# tools\n" + a + "\n" + b + " read   # the dashboard\n" + c + " operate#deploys\n");
        assertThat(tokens).extracting(Token::scope).containsExactly(Scope.OPERATE, Scope.READ, Scope.OPERATE);
        assertThat(tokens).extracting(Token::line).containsExactly(2, 3, 4);
        assertThat(tokens.get(1).matches(Token.digest(b))).isTrue();
        assertThat(parse(a + "  # only a note")).extracting(Token::scope).containsExactly(Scope.OPERATE);
    }

    @Test
    void anyOtherWordIsRefusedWithItsLineAndNeverShown() {
        Path file = dir.resolve("admin.token");
        for (String line : List.of(a + " raed", a + " read operate", a + " READ", a + " read note-without-hash")) {
            assertThatThrownBy(() -> parse("# x\n\n" + line + "\n"))
                    .as(line)
                    .hasMessage(file + ":3: after the token, only its scope (read or operate) and a # note")
                    .message().doesNotContain(a);
        }
    }

    @Test
    void aReadScopeAllowsLookingOnly() {
        assertThat(Scope.READ.allows(Scope.READ)).isTrue();
        assertThat(Scope.READ.allows(Scope.OPERATE)).isFalse();
        assertThat(Scope.OPERATE.allows(Scope.OPERATE)).isTrue();
        assertThat(BearerAuth.needs("GET")).isEqualTo(Scope.READ);
        assertThat(BearerAuth.needs("HEAD")).isEqualTo(Scope.READ);
        assertThat(List.of("POST", "PUT", "DELETE", "PATCH", "OPTIONS")).allSatisfy(m -> assertThat(BearerAuth.needs(m)).isEqualTo(Scope.OPERATE));
    }

    @Test
    void theClientSendsTheFirstTokenThatMayOperate() throws IOException {
        Path file = Files.writeString(dir.resolve("admin.token"), "# x\n" + a + " read\n" + b + "  # ops\n" + c + "\n");
        assertThat(TokenFile.clientToken(file)).isEqualTo(b);
        Files.writeString(file, a + " read # all read-only\n");
        assertThat(TokenFile.clientToken(file)).as("the server then says why it refuses").isEqualTo(a);
    }

    @Test
    void addTokenCreatesAPrivateFileTheServerReads() throws IOException {
        Path file = dir.resolve("etc").resolve("admin.token");
        String token = TokenFile.add(file, true, "grafana");
        assertThat(token).matches("[A-Za-z0-9_-]{43}");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(Files.readString(file)).endsWith("\n" + token + " read  # grafana\n");
        assertThat(TokenFile.load(file)).singleElement().satisfies(t -> {
            assertThat(t.scope()).isEqualTo(Scope.READ);
            assertThat(t.matches(Token.digest(token))).isTrue();
        });
    }

    @Test
    void addTokenAppendsKeepingWhatWasThere() throws IOException {
        Path file = Files.writeString(dir.resolve("admin.token"), "# mine\n" + a); // no line end at the end
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        String first = TokenFile.add(file, false, null);
        String second = TokenFile.add(file, false, " deploys ");
        assertThat(Files.readString(file)).isEqualTo("# mine\n" + a + "\n" + first + "\n" + second + "  # deploys\n");
        assertThat(TokenFile.load(file)).extracting(Token::scope).containsExactly(Scope.OPERATE, Scope.OPERATE, Scope.OPERATE);
        assertThat(first).isNotEqualTo(second);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(Files.exists(dir.resolve("admin.token.new"))).isFalse();
    }

    @Test
    void addTokenRefusesAFileOthersCanReadAndANoteOfTwoLines() throws IOException {
        Path file = Files.writeString(dir.resolve("admin.token"), a + "\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        assertThatThrownBy(() -> TokenFile.add(file, false, null)).hasMessageContaining("mode 0644");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        assertThatThrownBy(() -> TokenFile.add(file, false, "one\nread")).isInstanceOf(IllegalArgumentException.class);
        assertThat(Files.readString(file)).isEqualTo(a + "\n");
    }
}
