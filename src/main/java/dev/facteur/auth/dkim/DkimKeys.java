package dev.facteur.auth.dkim;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;

/** New DKIM keys, and the DNS TXT record that publishes the public half (RFC 6376 §3.6.1, RFC 8463 §4). */
public final class DkimKeys {

    private DkimKeys() {}

    /** A new key pair: RSA of {@code bits} (RFC 8301: 1024 at least; 2048 is the default) or Ed25519. */
    public static KeyPair generate(String algorithm, int bits) throws GeneralSecurityException {
        if (algorithm.equals("ed25519")) return KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        if (!algorithm.equals("rsa")) throw new IllegalArgumentException("rsa or ed25519, not " + algorithm);
        if (bits < 1024) throw new IllegalArgumentException("RSA keys under 1024 bits fail verification (RFC 8301)");
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(bits);
        return g.generateKeyPair();
    }

    /** Writes the private key (PKCS#8 PEM) to a new file of mode 0600; an existing file is not replaced. */
    public static void writePrivateKey(KeyPair pair, Path file) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        String pem = "-----BEGIN PRIVATE KEY-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(pair.getPrivate().getEncoded())
                + "\n-----END PRIVATE KEY-----\n";
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(file, pem, StandardOpenOption.TRUNCATE_EXISTING);
    }

    /**
     * The TXT record's value: {@code v=DKIM1; k=...; p=...}, where p= is the SubjectPublicKeyInfo
     * for RSA (RFC 6376 §3.6.1) and the bare 32-byte key for Ed25519 (RFC 8463 §4).
     */
    public static String record(KeyPair pair) {
        byte[] spki = pair.getPublic().getEncoded();
        boolean ed = pair.getPublic().getAlgorithm().equals("Ed25519") || pair.getPublic().getAlgorithm().equals("EdDSA");
        byte[] p = ed ? Arrays.copyOfRange(spki, spki.length - 32, spki.length) : spki;
        return "v=DKIM1; k=" + (ed ? "ed25519" : "rsa") + "; p=" + Base64.getEncoder().encodeToString(p);
    }

    /** The record as a zone file writes it: quoted strings of at most 255 bytes each (RFC 1035 §3.3.14). */
    public static List<String> strings(String record) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < record.length(); i += 255) out.add("\"" + record.substring(i, Math.min(record.length(), i + 255)) + "\"");
        return out;
    }
}
