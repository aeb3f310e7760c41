package dev.facteur.doctor;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.List;
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
