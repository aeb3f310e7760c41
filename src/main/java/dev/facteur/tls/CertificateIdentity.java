package dev.facteur.tls;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.SignatureException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Who a certificate says it is, and whether a private key is its own: asked when the server loads
 * its certificates and when {@code facteur doctor} judges them, which must agree.
 */
public final class CertificateIdentity {

    private CertificateIdentity() {}

    /** The DNS names of the certificate (subjectAltName), lower case; the CN when there are none, as TLS clients fall back to. */
    public static List<String> names(X509Certificate cert) {
        List<String> names = new ArrayList<>();
        try {
            if (cert.getSubjectAlternativeNames() != null)
                for (List<?> san : cert.getSubjectAlternativeNames())
                    if (Objects.equals(san.get(0), 2)) names.add(san.get(1).toString().toLowerCase(Locale.ROOT));
        } catch (CertificateParsingException e) {
            // no names then
        }
        if (names.isEmpty())
            for (String part : cert.getSubjectX500Principal().getName().split(","))
                if (part.startsWith("CN=")) names.add(part.substring(3).toLowerCase(Locale.ROOT));
        return names;
    }

    /** RFC 6125 §6.4.3: a name matches itself, or a wildcard that stands for its whole leftmost label. */
    public static boolean matches(String pattern, String name) {
        if (pattern.equals(name)) return true;
        if (!pattern.startsWith("*.")) return false;
        int dot = name.indexOf('.');
        return dot > 0 && name.substring(dot).equals(pattern.substring(1));
    }

    /** Whether one of {@code names} (lower case, as {@link #names} gives them) matches {@code host}, in any case. */
    public static boolean covers(List<String> names, String host) {
        String h = host.toLowerCase(Locale.ROOT);
        return names.stream().anyMatch(n -> matches(n, h));
    }

    /**
     * Whether {@code key} signs what {@code certified} verifies: the test that holds for every key
     * type. True for a key type this cannot try: JSSE may still take it, and the handshake will tell.
     */
    public static boolean belongTogether(PublicKey certified, PrivateKey key) {
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "Ed25519", "EdDSA" -> "Ed25519";
            case "Ed448" -> "Ed448";
            default -> null;
        };
        if (algorithm == null) return true;
        byte[] probe = "facteur: does this key belong to this certificate?".getBytes(StandardCharsets.US_ASCII);
        try {
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(probe);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(certified);
            verifier.update(probe);
            return verifier.verify(signature);
        } catch (InvalidKeyException | SignatureException e) {
            return false; // an EC key on another curve, say
        } catch (NoSuchAlgorithmException e) {
            return true; // this JDK cannot sign with it: not ours to judge
        }
    }
}
