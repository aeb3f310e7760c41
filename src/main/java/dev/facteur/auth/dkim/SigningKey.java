package dev.facteur.auth.dkim;

import dev.facteur.tls.PemTls;
import java.io.IOException;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.util.Locale;

/**
 * A key Facteur signs with: the signing domain ({@code d=}), the selector ({@code s=}) under which
 * its public half is published, and the private key with its algorithm.
 */
public record SigningKey(String domain, String selector, DkimSigner.Key key) {

    public SigningKey {
        domain = domain.toLowerCase(Locale.ROOT);
        if (!selector.matches("[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*"))
            throw new IllegalArgumentException("not a selector: " + selector);
    }

    /**
     * Reads a PEM private key ({@code facteur dkim keygen} writes PKCS#8; PKCS#1 RSA keys as
     * {@code openssl genrsa} writes them are read too): RSA signs rsa-sha256, Ed25519 ed25519-sha256.
     */
    public static SigningKey load(String domain, String selector, Path file) throws IOException {
        PrivateKey key = PemTls.readKey(file);
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "rsa-sha256";
            case "Ed25519", "EdDSA" -> "ed25519-sha256";
            default -> throw new IOException(file + ": a " + key.getAlgorithm() + " key; DKIM signs with RSA or Ed25519");
        };
        if (key instanceof java.security.interfaces.RSAPrivateKey rsa && rsa.getModulus().bitLength() < 1024)
            throw new IOException(file + ": an RSA key of " + rsa.getModulus().bitLength() + " bits; receivers ignore signatures under 1024 (RFC 8301)");
        return new SigningKey(domain, selector, new DkimSigner.Key(algorithm, key));
    }
}
