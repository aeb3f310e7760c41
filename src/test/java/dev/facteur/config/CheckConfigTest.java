package dev.facteur.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.testing.TestCertificates;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A configuration judged as a start judges it, without starting ({@code facteur check-config}, a
 * reload): its values, then the files it names, each problem as {@code file:line: key: message}.
 */
class CheckConfigTest {

    @TempDir
    Path dir;

    private Path file;

    /** A certificate and its key, as PEM files. */
    private record Pem(Path certificate, Path key) {}

    @BeforeEach
    void setUp() {
        file = dir.resolve("facteur.toml");
    }

    private Pem pem(String name) throws Exception {
        var issued = TestCertificates.selfSigned(List.of(name), Instant.now().minus(Duration.ofDays(1)), Instant.now().plus(Duration.ofDays(90)));
        return new Pem(TestCertificates.writeChain(dir.resolve(name + ".crt"), issued.certificate()),
                TestCertificates.writeKey(dir.resolve(name + ".key"), issued.keys()));
    }

    /** The first lines of every configuration here: line 3 is the first after them. */
    private String top() {
        return "hostname = \"mx.example.test\"\ndata_dir = '" + dir.resolve("data") + "'\n";
    }

    private CheckedConfig check(String toml) throws Exception {
        Files.writeString(file, toml);
        return ConfigLoader.check(file);
    }

    private List<String> problems(String toml) throws Exception {
        CheckedConfig checked = check(toml);
        assertThat(checked).as("refused").isInstanceOf(CheckedConfig.Invalid.class);
        return ((CheckedConfig.Invalid) checked).problems().stream().map(ConfigProblem::toString).toList();
    }

    @Test
    void aFileWhoseNamedFilesAllReadIsValid() throws Exception {
        Pem pem = pem("mx.example.test");
        Files.writeString(dir.resolve("users"), "alice\nbob\n");
        Files.writeString(dir.resolve("aliases"), "info: alice, bob\n");
        Files.writeString(dir.resolve("transport"), "example.org smtp:[relay.example.net]\n");

        CheckedConfig checked = check(top() + """
                [local]
                domains = ["example.test"]
                users_file = '%s'
                aliases_file = '%s'
                [routing]
                transport_file = '%s'
                [tls]
                certificate = '%s'
                private_key = '%s'
                """.formatted(dir.resolve("users"), dir.resolve("aliases"), dir.resolve("transport"), pem.certificate(), pem.key()));

        assertThat(checked).isInstanceOfSatisfying(CheckedConfig.Valid.class,
                v -> assertThat(v.config().local().domains()).containsExactly("example.test"));
    }

    @Test
    void aSyntaxErrorIsTheOneProblemAndHasItsLine() throws Exception {
        assertThat(problems(top() + "[smtp\nlisten = []\n")).singleElement().asString()
                .startsWith(file + ":3: TOML syntax error");
    }

    @Test
    void aBadValueStopsTheReadingAtItsLineAndKey() throws Exception {
        assertThat(problems(top() + "[smtp]\nmax_recipients = 0\n"))
                .containsExactly(file + ":4: smtp.max_recipients: must be between 1 and 100000, got 0");
    }

    @Test
    void aFileThatCannotBeReadIsTheProblem() {
        var checked = ConfigLoader.check(dir.resolve("missing.toml"));

        assertThat(((CheckedConfig.Invalid) checked).problems()).singleElement().asString()
                .startsWith(dir.resolve("missing.toml") + ": cannot read");
    }

    @Test
    void aCertificateThatCannotBeReadIsNamedAtItsLine() throws Exception {
        Pem pem = pem("mx.example.test");
        Path gone = dir.resolve("gone.crt");

        assertThat(problems(top() + "[tls]\ncertificate = '%s'\nprivate_key = '%s'\n".formatted(gone, pem.key())))
                .containsExactly(file + ":4: tls.certificate: cannot read " + gone);
    }

    @Test
    void aKeyOfAnotherCertificateIsRefusedAtTheKeysLine() throws Exception {
        Pem ours = pem("mx.example.test"), theirs = pem("other.example.test");

        assertThat(problems(top() + "[tls]\ncertificate = '%s'\nprivate_key = '%s'\n".formatted(ours.certificate(), theirs.key())))
                .containsExactly(file + ":5: tls.private_key: " + theirs.key() + ": not the key of the certificate " + ours.certificate()
                        + " (its public key is another): a key and certificate of different pairs?");
    }

    @Test
    void aProblemInTheSecondSniEntryPointsAtThatEntry() throws Exception {
        Pem main = pem("mx.example.test"), first = pem("a.example.test"), second = pem("b.example.test");

        assertThat(problems(top() + """
                [tls]
                certificate = '%s'
                private_key = '%s'
                [[tls.sni]]
                certificate = '%s'
                private_key = '%s'
                [[tls.sni]]
                certificate = '%s'
                private_key = '%s'
                """.formatted(main.certificate(), main.key(), first.certificate(), first.key(), second.certificate(), first.key())))
                .containsExactly(file + ":11: tls.sni.private_key: " + first.key() + ": not the key of the certificate "
                        + second.certificate() + " (its public key is another): a key and certificate of different pairs?");
    }

    @Test
    void aBrokenTableIsNamedWithItsOwnFileAndLineToo() throws Exception {
        Path aliases = Files.writeString(dir.resolve("aliases"), "info: alice,\n   bob\nsales: |/usr/bin/sort\n");

        assertThat(problems(top() + "[local]\naliases_file = '%s'\n".formatted(aliases)))
                .containsExactly(file + ":4: local.aliases_file: " + aliases
                        + ":3: commands, files and includes are not supported as alias targets: |/usr/bin/sort");
    }

    @Test
    void aUsersFileThatIsNotThereIsAProblem() throws Exception {
        Path users = dir.resolve("users");

        assertThat(problems(top() + "[local]\nusers_file = '%s'\n".formatted(users)))
                .containsExactly(file + ":4: local.users_file: cannot read " + users);
    }

    @Test
    void aCaFileWithoutACertificateIsRefused() throws Exception { // the loader only sees that it reads
        Path ca = Files.writeString(dir.resolve("ca.pem"), "not a certificate\n");

        assertThat(problems(top() + """
                [dns]
                dnssec = "off"
                [delivery]
                [[delivery.tls_policy]]
                domains = ["bank.example"]
                level = "verify"
                ca_file = '%s'
                """.formatted(ca))).singleElement().asString().startsWith(file + ":9: delivery.tls_policy.ca_file: " + ca);
    }

    @Test
    void anAdminTokenFileOthersCanReadIsRefused() throws Exception { // as the start refuses it
        Path token = Files.writeString(dir.resolve("admin.token"), "0123456789abcdefghijklmnopqrstuvwxyzABCDEFG\n");
        Files.setPosixFilePermissions(token, PosixFilePermissions.fromString("rw-r--r--"));

        assertThat(problems(top() + "[admin]\ntoken_file = '%s'\n".formatted(token))).singleElement().asString()
                .startsWith(file + ":4: admin.token_file: " + token + ": mode 0644 (rw-r--r--) lets other users read or change the admin token");
    }

    @Test
    void aSecretsFileWithoutASecretIsRefused() throws Exception {
        Path secrets = Files.writeString(dir.resolve("srs.secrets"), "");

        assertThat(problems(top() + "[srs]\nsecrets_file = '%s'\n".formatted(secrets)))
                .containsExactly(file + ":4: srs.secrets_file: " + secrets + ": no SRS secret in the file");
    }

    @Test
    void aDataDirThatIsAFileIsRefused() throws Exception {
        Files.writeString(dir.resolve("data"), "");

        assertThat(problems(top())).containsExactly(file + ":2: data_dir: " + dir.resolve("data") + " is not a folder");
    }

    @Test
    void everyProblemOfTheNamedFilesIsReportedInOrder() throws Exception {
        Path users = dir.resolve("users"), ca = Files.writeString(dir.resolve("ca.pem"), "junk\n");
        Pem ours = pem("mx.example.test"), theirs = pem("other.example.test");

        assertThat(problems(top() + """
                [local]
                users_file = '%s'
                [mta_sts]
                ca_file = '%s'
                [tls]
                certificate = '%s'
                private_key = '%s'
                """.formatted(users, ca, ours.certificate(), theirs.key())))
                .satisfiesExactly(
                        p -> assertThat(p).isEqualTo(file + ":4: local.users_file: cannot read " + users),
                        p -> assertThat(p).startsWith(file + ":9: tls.private_key: " + theirs.key()),
                        p -> assertThat(p).startsWith(file + ":6: mta_sts.ca_file: " + ca));
    }

    @Test
    void theEmbeddedDefaultsAreValid() {
        assertThat(ConfigLoader.checkDefaults()).isInstanceOf(CheckedConfig.Valid.class);
    }

    @Test
    void anErrorInTheSecondEntryOfAnArrayOfTablesPointsAtThatEntry() throws Exception { // not at the first one's line
        String policies = top() + """
                [delivery]
                [[delivery.tls_policy]]
                domains = ["bank.example"]
                level = "encrypt"
                [[delivery.tls_policy]]
                domains = ["shop.example"]
                %s
                """;

        assertThat(problems(policies.formatted("level = \"sometimes\"")).getFirst()).startsWith(file + ":9: delivery.tls_policy.level: ");
        assertThat(problems(policies.formatted(""))).as("a key that is missing: at its entry's header")
                .containsExactly(file + ":7: delivery.tls_policy.level: is required in [[delivery.tls_policy]]: none, may, encrypt, verify, dane or dane-only");
    }
}
