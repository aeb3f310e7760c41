package dev.facteur.tls;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.server.Facteur;
import dev.facteur.testing.ExternalProcess;
import dev.facteur.testing.LogCapture;
import dev.facteur.testing.Patience;
import dev.facteur.testing.TestConfig;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Certificates as operators have them, made by openssl in each key format (PKCS#8, PKCS#1, SEC1),
 * served on the implicit-TLS submission port and looked at with {@code openssl s_client}: the one
 * named by SNI, a renewed one without a restart, the old one kept when the new file is garbage,
 * and no TLS below 1.2.
 */
class CertificateFilesIT {

    @TempDir
    Path dir;
    private Facteur facteur;

    @AfterEach
    void stop() throws Exception {
        if (facteur != null) facteur.close();
    }

    /** A self-signed certificate for {@code name} and its key, in {@code keyFormat}: "pkcs8", "rsa" (PKCS#1) or "ec" (SEC1). */
    private CertificateFiles.Pair openssl(String name, String keyFormat) throws Exception {
        Path key = dir.resolve(name + "." + keyFormat + ".key"), cert = dir.resolve(name + "." + keyFormat + ".crt");
        List<String> genkey = switch (keyFormat) {
            case "rsa" -> List.of("openssl", "genrsa", "-traditional", "-out", key.toString(), "2048");
            case "ec" -> List.of("openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", key.toString());
            default -> List.of("openssl", "genpkey", "-algorithm", "RSA", "-out", key.toString());
        };
        run(genkey);
        run(List.of("openssl", "req", "-x509", "-new", "-key", key.toString(), "-out", cert.toString(), "-days", "30", "-subj", "/CN=" + name,
                "-addext", "subjectAltName=DNS:" + name));
        String pem = Files.readString(key);
        assertThat(pem).contains(switch (keyFormat) {
            case "rsa" -> "BEGIN RSA PRIVATE KEY";
            case "ec" -> "BEGIN EC PRIVATE KEY";
            default -> "BEGIN PRIVATE KEY";
        });
        return new CertificateFiles.Pair(cert, key);
    }

    private static ExternalProcess.Result run(List<String> command) throws Exception {
        var r = ExternalProcess.run(command);
        assertThat(r.exitCode()).as(r.toString()).isZero();
        return r;
    }

    private InetSocketAddress start(CertificateFiles.Pair main, CertificateFiles.Pair... sni) throws Exception {
        StringBuilder toml = new StringBuilder("""
                [tls]
                certificate = "%s"
                private_key = "%s"
                """.formatted(main.certificate(), main.privateKey()));
        for (var p : sni) toml.append("[[tls.sni]]\ncertificate = \"%s\"\nprivate_key = \"%s\"\n".formatted(p.certificate(), p.privateKey()));
        toml.append("[submission]\nlisten_tls = [\"127.0.0.1:0\"]\nusers_file = \"%s\"\n".formatted(dir.resolve("users")));
        facteur = TestConfig.in(dir.resolve("data")).tables(toml.toString()).start();
        return facteur.submissionsAddresses().getFirst();
    }

    /** What s_client saw: the subject of the certificate served for {@code serverName}, and the protocol. */
    private static String sClient(InetSocketAddress at, String serverName, String... options) throws Exception {
        var command = new java.util.ArrayList<>(List.of("openssl", "s_client", "-connect", at.getHostString() + ":" + at.getPort(),
                "-servername", serverName, "-brief"));
        command.addAll(List.of(options));
        var r = ExternalProcess.run(command); // stdin is /dev/null: it hangs up after the handshake
        return r.stdout() + r.stderr();
    }

    @Test
    void eachKeyFormatServesAndSniChoosesTheCertificate() throws Exception {
        var mx = openssl("mx.example.test", "pkcs8");
        var rsa = openssl("mail.example.org", "rsa");
        var ec = openssl("smtp.example.net", "ec");
        var at = start(mx, rsa, ec);
        assertThat(sClient(at, "mail.example.org")).contains("CN = mail.example.org").contains("Protocol version: TLSv1.3");
        assertThat(sClient(at, "smtp.example.net")).contains("CN = smtp.example.net");
        assertThat(sClient(at, "unknown.example")).as("no match: the first").contains("CN = mx.example.test");
    }

    @Test
    void tlsBelow12IsRefused() throws Exception {
        var at = start(openssl("mx.example.test", "pkcs8"));
        assertThat(sClient(at, "mx.example.test", "-tls1_2")).contains("Protocol version: TLSv1.2");
        assertThat(sClient(at, "mx.example.test", "-tls1_1")).doesNotContain("Protocol version");
    }

    @Test
    void aRenewedCertificateIsServedWithoutARestartAndGarbageLeavesTheOldOne() throws Exception {
        var first = openssl("mx.example.test", "pkcs8");
        var at = start(first);
        String before = sClient(at, "mx.example.test");
        // renewed as certbot does: new files moved into place
        var renewed = openssl("mx.example.test", "ec");
        Files.move(renewed.privateKey(), first.privateKey(), StandardCopyOption.REPLACE_EXISTING);
        Files.move(renewed.certificate(), first.certificate(), StandardCopyOption.REPLACE_EXISTING);
        Awaitility.await().atMost(Patience.EVENT).until(() -> sClient(at, "mx.example.test").contains("Signature type: ECDSA"));
        assertThat(before).doesNotContain("ECDSA");
        try (var log = LogCapture.attach("facteur.tls")) {
            Files.writeString(first.certificate(), "garbage, half a file");
            // files are looked at when a handshake needs them
            Awaitility.await().atMost(Patience.EVENT).until(() -> sClient(at, "mx.example.test") != null && !log.errors().isEmpty());
            assertThat(log.errors().getFirst()).contains(first.certificate().toString()).contains("the certificate in use stays");
        }
        assertThat(sClient(at, "mx.example.test")).contains("Signature type: ECDSA").contains("CN = mx.example.test");
    }
}
