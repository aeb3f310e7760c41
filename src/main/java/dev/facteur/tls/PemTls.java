package dev.facteur.tls;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/** Builds a server {@link SSLContext} from a PEM certificate chain and a PEM PKCS#8 key. */
public final class PemTls {

    private PemTls() {}

    public static SSLContext serverContext(Path certificate, Path privateKey) throws IOException {
        try {
            Certificate[] chain = CertificateFactory.getInstance("X.509")
                    .generateCertificates(new ByteArrayInputStream(Files.readAllBytes(certificate)))
                    .toArray(Certificate[]::new);
            if (chain.length == 0) throw new IOException(certificate + ": no certificate found");
            PrivateKey key = readKey(privateKey);
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            char[] pass = "facteur".toCharArray();
            ks.setKeyEntry("server", key, pass, chain);
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, pass);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf.getKeyManagers(), null, null);
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot use " + certificate + " / " + privateKey + ": " + e.getMessage(), e);
        }
    }

    static PrivateKey readKey(Path file) throws IOException, GeneralSecurityException {
        String pem = Files.readString(file);
        if (pem.contains("BEGIN RSA PRIVATE KEY") || pem.contains("BEGIN EC PRIVATE KEY"))
            throw new IOException(file + ": key is not PKCS#8; convert it with: openssl pkcs8 -topk8 -nocrypt -in OLD -out NEW");
        int begin = pem.indexOf("-----BEGIN PRIVATE KEY-----");
        int end = pem.indexOf("-----END PRIVATE KEY-----");
        if (begin < 0 || end < begin) throw new IOException(file + ": no \"BEGIN PRIVATE KEY\" block found");
        byte[] der = Base64.getMimeDecoder().decode(pem.substring(begin + 27, end));
        var spec = new PKCS8EncodedKeySpec(der);
        GeneralSecurityException last = null;
        for (String alg : new String[] {"RSA", "EC", "Ed25519"}) {
            try {
                return KeyFactory.getInstance(alg).generatePrivate(spec);
            } catch (GeneralSecurityException e) {
                last = e;
            }
        }
        throw new IOException(file + ": unsupported private key type", last);
    }

    static String toPem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }
}
