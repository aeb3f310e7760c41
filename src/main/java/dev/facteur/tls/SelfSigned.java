package dev.facteur.tls;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.util.List;

/**
 * Makes a self-signed certificate for testing STARTTLS, with the JDK's own keytool (the JDK has
 * no public API to sign certificates), and writes it as PEM.
 */
public final class SelfSigned {

    private SelfSigned() {}

    public record PemFiles(Path certificate, Path privateKey) {}

    /**
     * @param moreNames further subject alternative names in keytool's form ({@code dns:mx.example},
     *                  {@code ip:127.0.0.61}), for a certificate that must verify under those names too
     */
    public static PemFiles generate(Path dir, String hostname, String... moreNames) throws IOException {
        Files.createDirectories(dir);
        Path p12 = Files.createTempFile(dir, "selfsigned", ".p12");
        Files.delete(p12);
        String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        List<String> cmd = List.of(keytool, "-genkeypair", "-alias", "facteur", "-keyalg", "RSA", "-keysize", "2048",
                "-validity", "825", "-dname", "CN=" + hostname, "-ext", "SAN=" + String.join(",", java.util.stream.Stream.concat(
                        java.util.stream.Stream.of("dns:" + hostname), java.util.Arrays.stream(moreNames)).toList()),
                "-storetype", "PKCS12", "-keystore", p12.toString(), "-storepass", "facteur", "-keypass", "facteur");
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String output = new String(p.getInputStream().readAllBytes());
            if (p.waitFor() != 0) throw new IOException("keytool failed: " + output.strip());
            KeyStore ks = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(p12)) {
                ks.load(in, "facteur".toCharArray());
            }
            PrivateKey key = (PrivateKey) ks.getKey("facteur", "facteur".toCharArray());
            Path cert = dir.resolve("cert.pem");
            Path keyFile = dir.resolve("key.pem");
            Files.writeString(cert, PemTls.toPem("CERTIFICATE", ks.getCertificate("facteur").getEncoded()));
            Files.writeString(keyFile, PemTls.toPem("PRIVATE KEY", key.getEncoded()));
            try {
                Files.setPosixFilePermissions(keyFile, PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException ignored) {
                // not a POSIX file system
            }
            return new PemFiles(cert, keyFile);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot read the generated key store: " + e.getMessage(), e);
        } finally {
            Files.deleteIfExists(p12);
        }
    }
}
