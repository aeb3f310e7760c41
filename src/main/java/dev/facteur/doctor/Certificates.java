package dev.facteur.doctor;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/** What the certificate checks need to know about a chain: its names, its order, whether a sender that verifies would trust it. */
final class Certificates {

    private Certificates() {}

    /** The certificates of a PEM file, in the file's order (the server's should come first). */
    static List<X509Certificate> read(Path file) throws IOException {
        try {
            List<X509Certificate> chain = CertificateFactory.getInstance("X.509")
                    .generateCertificates(new ByteArrayInputStream(Files.readAllBytes(file))).stream()
                    .map(c -> (X509Certificate) c).toList();
            if (chain.isEmpty()) throw new IOException(file + ": no certificate in it");
            return chain;
        } catch (CertificateException e) {
            throw new IOException(file + ": not a PEM certificate: " + e.getMessage(), e);
        }
    }

    /** The DNS names (subjectAltName), lower case; the CN when there are none, as TLS clients fall back to. */
    static List<String> names(X509Certificate cert) {
        List<String> names = new ArrayList<>();
        try {
            if (cert.getSubjectAlternativeNames() != null)
                for (List<?> san : cert.getSubjectAlternativeNames())
                    if (Objects.equals(san.get(0), 2)) names.add(san.get(1).toString().toLowerCase(Locale.ROOT));
        } catch (CertificateParsingException e) {
            // none then
        }
        if (names.isEmpty())
            for (String part : cert.getSubjectX500Principal().getName().split(","))
                if (part.startsWith("CN=")) names.add(part.substring(3).toLowerCase(Locale.ROOT));
        return names;
    }

    /** RFC 6125 §6.4.3: a name matches itself, or a wildcard that stands for its whole leftmost label. */
    static boolean covers(List<String> names, String host) {
        String h = host.toLowerCase(Locale.ROOT);
        for (String n : names) {
            if (n.equals(h)) return true;
            int dot = h.indexOf('.');
            if (n.startsWith("*.") && dot > 0 && h.substring(dot).equals(n.substring(1))) return true;
        }
        return false;
    }

    /** Whether the private key is the certificate's: it signs what the certificate's public key verifies. */
    static boolean pairs(PrivateKey key, PublicKey certificateKey) {
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "Ed25519", "EdDSA" -> "Ed25519";
            default -> null;
        };
        if (algorithm == null) return true; // not ours to judge: the TLS handshake will
        try {
            byte[] probe = "facteur doctor".getBytes(StandardCharsets.US_ASCII);
            Signature s = Signature.getInstance(algorithm);
            s.initSign(key);
            s.update(probe);
            byte[] signature = s.sign();
            Signature v = Signature.getInstance(algorithm);
            v.initVerify(certificateKey);
            v.update(probe);
            return v.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    /** The first position where the next certificate did not issue this one, or -1 when each did. */
    static int misordered(List<X509Certificate> chain) {
        for (int i = 0; i + 1 < chain.size(); i++) {
            X509Certificate c = chain.get(i), issuer = chain.get(i + 1);
            if (!c.getIssuerX500Principal().equals(issuer.getSubjectX500Principal())) return i;
            try {
                c.verify(issuer.getPublicKey());
            } catch (GeneralSecurityException e) {
                return i;
            }
        }
        return -1;
    }

    static boolean selfSigned(X509Certificate c) {
        if (!c.getIssuerX500Principal().equals(c.getSubjectX500Principal())) return false;
        try {
            c.verify(c.getPublicKey());
            return true;
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    /**
     * Why a sender that verifies certificates (MTA-STS, RFC 8461 §4.2) would not trust this chain
     * with the JDK's authorities, or null when it would. Names are not looked at here.
     */
    static String distrust(List<X509Certificate> chain) {
        try {
            TrustManagerFactory f = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            f.init((KeyStore) null);
            for (var tm : f.getTrustManagers())
                if (tm instanceof X509TrustManager x) {
                    x.checkServerTrusted(chain.toArray(X509Certificate[]::new), chain.getFirst().getPublicKey().getAlgorithm());
                    return null;
                }
            return "no trust manager";
        } catch (CertificateException e) {
            return e.getMessage();
        } catch (GeneralSecurityException e) {
            return "the JDK's authorities cannot be read: " + e.getMessage();
        }
    }
}
