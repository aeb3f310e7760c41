package dev.facteur.tls;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.List;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.DERNull;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.sec.ECPrivateKey;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;

/**
 * Server TLS from PEM files: certificate chains and private keys in PKCS#8 ({@code BEGIN PRIVATE
 * KEY}), PKCS#1 ({@code BEGIN RSA PRIVATE KEY}) or SEC1 ({@code BEGIN EC PRIVATE KEY}), as
 * certbot, openssl and acme.sh write them.
 */
public final class PemTls {

    private PemTls() {}

    /** One certificate and key. */
    public static SSLContext serverContext(Path certificate, Path privateKey) throws IOException {
        return serverContext(CertificateFiles.open(List.of(new CertificateFiles.Pair(certificate, privateKey))));
    }

    /** Certificates chosen by SNI and read again when their files change ({@link CertificateFiles}). */
    public static SSLContext serverContext(CertificateFiles certificates) throws IOException {
        try {
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(new KeyManager[] {certificates}, null, null);
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot set up TLS with " + certificates + ": " + e.getMessage(), e);
        }
    }

    /** The certificates of a PEM file, the server's first. */
    static X509Certificate[] readChain(Path file) throws IOException {
        try {
            X509Certificate[] chain = CertificateFactory.getInstance("X.509")
                    .generateCertificates(new ByteArrayInputStream(Files.readAllBytes(file)))
                    .toArray(X509Certificate[]::new);
            if (chain.length == 0) throw new IOException(file + ": no certificate found");
            return chain;
        } catch (java.security.cert.CertificateException e) {
            throw new IOException(file + ": not a PEM certificate: " + e.getMessage(), e);
        }
    }

    public static PrivateKey readKey(Path file) throws IOException {
        String pem = Files.readString(file);
        byte[] pkcs8;
        try {
            if (pem.contains("-----BEGIN PRIVATE KEY-----")) {
                pkcs8 = block(pem, "PRIVATE KEY", file);
            } else if (pem.contains("-----BEGIN RSA PRIVATE KEY-----")) { // PKCS#1, RFC 8017 A.1.2
                pkcs8 = new PrivateKeyInfo(new AlgorithmIdentifier(PKCSObjectIdentifiers.rsaEncryption, DERNull.INSTANCE),
                        ASN1Primitive.fromByteArray(block(pem, "RSA PRIVATE KEY", file))).getEncoded();
            } else if (pem.contains("-----BEGIN EC PRIVATE KEY-----")) { // SEC1, RFC 5915: the curve is in its parameters
                ECPrivateKey ec = ECPrivateKey.getInstance(block(pem, "EC PRIVATE KEY", file));
                if (ec.getParametersObject() == null) throw new IOException(file + ": an EC key without its curve");
                pkcs8 = new PrivateKeyInfo(new AlgorithmIdentifier(X9ObjectIdentifiers.id_ecPublicKey, ec.getParametersObject()), ec)
                        .getEncoded();
            } else {
                throw new IOException(file + ": no \"BEGIN PRIVATE KEY\", \"BEGIN RSA PRIVATE KEY\" or \"BEGIN EC PRIVATE KEY\" block"
                        + (pem.contains("ENCRYPTED") ? " (an encrypted key: decrypt it, Facteur asks for no passphrase)" : ""));
            }
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": a key that does not read: " + e.getMessage(), e);
        }
        var spec = new PKCS8EncodedKeySpec(pkcs8);
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

    private static byte[] block(String pem, String type, Path file) throws IOException {
        String begin = "-----BEGIN " + type + "-----", end = "-----END " + type + "-----";
        int b = pem.indexOf(begin), e = pem.indexOf(end);
        if (b < 0 || e < b) throw new IOException(file + ": the " + type + " block is not whole");
        return Base64.getMimeDecoder().decode(pem.substring(b + begin.length(), e));
    }

    static String toPem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }
}
