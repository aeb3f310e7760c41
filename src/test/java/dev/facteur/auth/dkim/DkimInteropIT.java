package dev.facteur.auth.dkim;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.auth.dkim.DkimTestData.Signing;
import dev.facteur.testing.ExternalProcess;
import dev.facteur.testing.FakeDnsResolver;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.interfaces.EdECPrivateKey;
import java.time.Clock;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * Facteur's DKIM against two other implementations, both ways: mail signed by dkimpy
 * ({@code dkimsign}, Debian python3-dkim) and by OpenDKIM (opendkim's test mode, which signs with
 * the daemon's own code and prints the field) verifies in Facteur; mail signed by Facteur's
 * {@link DkimSigner} (rsa-sha256 and ed25519-sha256, relaxed/relaxed, From over-signed) verifies
 * with dkimpy ({@code dkim.verify} with the key served from a file) and with OpenDKIM (test mode
 * with {@code TestPublicKeys}). No DNS is asked anywhere. A tampered copy must fail each time, so
 * that a verifier that says yes to everything cannot pass.
 */
class DkimInteropIT {

    /**
     * Folding, tabs, runs of spaces, trailing white space, 8-bit text (UTF-8, written one char per
     * byte) and empty lines at the end: canonicalization matters.
     */
    private static final String MESSAGE = """
            Received: from client.example.com (client.example.com [127.0.0.1])\r
            \tby mx.example.org with ESMTPS; Tue, 01 Dec 2026 10:00:00 +0000\r
            From: Alice  Example <alice@example.com>\r
            To: Bob <bob@example.org>,\r
              Carol <carol@example.org>\r
            Subject:  Lunch \t at noon?\r
            Date: Tue, 01 Dec 2026 09:59:58 +0000\r
            Message-ID: <lunch-42@example.com>\r
            MIME-Version: 1.0\r
            Content-Type: text/plain; charset=utf-8\r
            Content-Transfer-Encoding: 8bit\r
            \r
            Hello Bob,  \r
            \tshall we meet at the caf\u00c3\u00a9 at noon? \r
            \r
            Alice\r
            \r
            \r
            """;

    @TempDir
    static Path dir;
    private static KeyPair rsa;
    private static KeyPair ed25519;
    private static Path keys;
    private static FakeDnsResolver dns;

    @BeforeAll
    static void keys() throws Exception {
        rsa = DkimKeys.generate("rsa", 2048);
        ed25519 = DkimKeys.generate("ed25519", 0);
        DkimKeys.writePrivateKey(rsa, dir.resolve("rsa.pem"));
        DkimKeys.writePrivateKey(ed25519, dir.resolve("ed.pem"));
        Files.writeString(dir.resolve("ed.seed"), Base64.getEncoder().encodeToString(((EdECPrivateKey) ed25519.getPrivate()).getBytes().orElseThrow()));
        keys = Files.writeString(dir.resolve("keys.txt"), "rsa._domainkey.example.com " + DkimKeys.record(rsa) + "\n"
                + "ed._domainkey.example.com " + DkimKeys.record(ed25519) + "\n");
        dns = new FakeDnsResolver().withTxt("rsa._domainkey.example.com", DkimKeys.record(rsa))
                .withTxt("ed._domainkey.example.com", DkimKeys.record(ed25519));
    }

    private static List<DkimResult> facteur(String message) throws Exception {
        return new DkimVerifier(dns, Clock.systemUTC()).verify(new ByteArrayInputStream(message.getBytes(StandardCharsets.ISO_8859_1)));
    }

    private static Path file(String name, String content) throws Exception {
        return Files.write(dir.resolve(name), content.getBytes(StandardCharsets.ISO_8859_1));
    }

    private static String tampered(String signed) {
        return signed.replace("at noon", "at midnight");
    }

    // --- dkimpy signs, Facteur verifies

    private static String dkimsign(String selector, String keyFile, String... options) throws Exception {
        Path in = file("to-sign-" + selector + ".eml", MESSAGE);
        String command = "/usr/bin/dkimsign " + String.join(" ", options) + " " + selector + " example.com " + dir.resolve(keyFile) + " < " + in;
        var r = ExternalProcess.run(List.of("/bin/sh", "-c", command));
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.stdout()).as("dkimpy's signed message").startsWith("DKIM-Signature:");
        return asBytes(r.stdout()).replace("\n", "\r\n").replace("\r\r\n", "\r\n");
    }

    @Test
    void mailSignedByDkimpyVerifiesInFacteur() throws Exception {
        for (String[] how : List.of(
                new String[] {"rsa", "rsa.pem"},
                new String[] {"rsa", "rsa.pem", "--hcanon", "relaxed", "--bcanon", "relaxed"},
                new String[] {"rsa", "rsa.pem", "--hcanon", "simple", "--bcanon", "simple"},
                new String[] {"ed", "ed.seed", "--signalg", "ed25519-sha256", "--hcanon", "relaxed", "--bcanon", "relaxed"})) {
            String[] options = Arrays.copyOfRange(how, 2, how.length);
            String signed = dkimsign(how[0], how[1], options);
            assertThat(facteur(signed)).as(String.join(" ", how)).singleElement().isInstanceOf(DkimResult.Pass.class);
            assertThat(facteur(tampered(signed))).as("tampered, " + String.join(" ", how)).singleElement().isInstanceOf(DkimResult.Fail.class);
        }
    }

    // --- OpenDKIM signs, Facteur verifies

    /** The DKIM-Signature field OpenDKIM's test mode makes for the message, signed as {@code conf} says. */
    private static String opendkimSign(String message, String selector, String keyFile, String algorithm, String canonicalization)
            throws Exception {
        Path conf = Files.writeString(dir.resolve("sign-" + selector + "-" + canonicalization.replace('/', '-') + ".conf"), """
                Syslog no
                Mode s
                Domain example.com
                Selector %s
                KeyFile %s
                RequireSafeKeys false
                SignatureAlgorithm %s
                Canonicalization %s
                OversignHeaders From
                """.formatted(selector, dir.resolve(keyFile), algorithm, canonicalization));
        // RequireSafeKeys false: the key sits under /tmp, which others may write to
        Path in = file("to-sign-opendkim.eml", message.replace("\r\n", "\n"));
        var r = ExternalProcess.run(List.of("/usr/sbin/opendkim", "-x", conf.toString(), "-t", in.toString()));
        assertThat(r.exitCode()).as(r.toString()).isZero();
        String out = r.stdout() + r.stderr();
        int start = out.indexOf("DKIM-Signature:");
        assertThat(start).as(r.toString()).isNotNegative();
        StringBuilder field = new StringBuilder();
        for (String line : out.substring(start).split("\r?\n")) { // test mode writes the field with CRLF
            if (field.length() > 0 && !line.startsWith("\t") && !line.startsWith(" ")) break;
            field.append(line).append("\r\n");
        }
        return field.toString();
    }

    @Test
    void mailSignedByOpenDkimVerifiesInFacteur() throws Exception {
        for (String[] how : List.of(
                new String[] {"rsa", "rsa.pem", "rsa-sha256", "relaxed/relaxed"},
                new String[] {"rsa", "rsa.pem", "rsa-sha256", "simple/simple"},
                new String[] {"ed", "ed.pem", "ed25519-sha256", "relaxed/relaxed"})) {
            // OpenDKIM's test mode rebuilds each field as its milter interface receives it: name, colon,
            // one space, value. Under simple canonicalization it so signs "Subject:  Lunch" as if it
            // had one space (dkimpy fails that signature too); that case signs a message without such a field.
            String message = how[3].startsWith("simple/") ? MESSAGE.replace("Subject:  Lunch", "Subject: Lunch") : MESSAGE;
            String field = opendkimSign(message, how[0], how[1], how[2], how[3]);
            assertThat(field).contains("a=" + how[2]).contains("c=" + how[3]);
            String signed = field + message;
            List<DkimResult> results = facteur(signed);
            assertThat(results).as(String.join(" ", how) + "\n" + signed).singleElement().isInstanceOf(DkimResult.Pass.class);
            assertThat(facteur(tampered(signed))).singleElement().isInstanceOf(DkimResult.Fail.class);
        }
    }

    // --- Facteur signs, dkimpy and OpenDKIM verify

    private static String facteurSigned(String selector) throws Exception {
        Signing signing = selector.equals("ed") ? Signing.of("ed25519-sha256", ed25519.getPrivate(), "example.com", "ed")
                : Signing.of("rsa-sha256", rsa.getPrivate(), "example.com", "rsa");
        return signing.signedHeaders("from", "from", "to", "subject", "date", "message-id", "mime-version", "content-type").sign(MESSAGE);
    }

    private static List<Boolean> dkimpy(String message) throws Exception {
        JsonNode out = ExternalProcess.python("/it/dkimpy_verify.py", file("dkimpy.eml", message).toString(), keys.toString());
        return out.get("results").valueStream().map(r -> r.get("pass").asBoolean()).toList();
    }

    @Test
    void mailSignedByFacteurVerifiesWithDkimpy() throws Exception {
        for (String selector : List.of("rsa", "ed")) {
            String signed = facteurSigned(selector);
            assertThat(dkimpy(signed)).as(selector + "\n" + signed).containsExactly(true);
            assertThat(dkimpy(tampered(signed))).as("tampered " + selector).containsExactly(false);
            assertThat(dkimpy("From: Mallory <ceo@example.com>\r\n" + signed)).as("From added on top, " + selector).containsExactly(false);
        }
    }

    private static String opendkimVerify(String message) throws Exception {
        Path conf = Files.writeString(dir.resolve("verify.conf"), """
                Syslog no
                Mode v
                TestPublicKeys %s
                """.formatted(keys));
        Path in = file("opendkim-verify.eml", message.replace("\r\n", "\n"));
        var r = ExternalProcess.run(List.of("/usr/sbin/opendkim", "-x", conf.toString(), "-t", in.toString()));
        assertThat(r.exitCode()).as(r.toString()).isZero();
        return r.stdout() + r.stderr();
    }

    @Test
    void mailSignedByFacteurVerifiesWithOpenDkim() throws Exception {
        for (String selector : List.of("rsa", "ed")) {
            String signed = facteurSigned(selector);
            assertThat(opendkimVerify(signed)).as(selector + "\n" + signed).contains("verification (s=" + selector + ", d=example.com").contains("succeeded");
            assertThat(opendkimVerify(tampered(signed))).as("tampered " + selector).contains("failed").doesNotContain("succeeded");
        }
    }

    /** A program's output, read as UTF-8, back to its bytes, one char per byte, as the signer and verifier read messages. */
    private static String asBytes(String text) {
        return new String(text.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
    }
}
