package dev.facteur.testing;

import dev.facteur.tls.CertificateFiles;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.DERBitString;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.ExtensionsGenerator;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x509.TBSCertificate;
import org.bouncycastle.asn1.x509.Time;
import org.bouncycastle.asn1.x509.V3TBSCertificateGenerator;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;

/**
 * A certificate authority of a test's own, in this JVM (no keytool, no openssl: unit tests may
 * use it): its certificate for a client to trust ({@code --cacert}, a CA file), and server
 * certificates it signs for the names a test chooses. P-256 keys, ECDSA with SHA-256, valid from
 * an hour ago for a month.
 */
public final class PrivateCa {

    private static final AtomicLong SERIALS = new AtomicLong(System.currentTimeMillis());
    private static final AlgorithmIdentifier ECDSA_SHA256 = new AlgorithmIdentifier(X9ObjectIdentifiers.ecdsa_with_SHA256);

    private final String name;
    private final KeyPair keys;
    private final X509Certificate certificate;

    private PrivateCa(String name, KeyPair keys, X509Certificate certificate) {
        this.name = name;
        this.keys = keys;
        this.certificate = certificate;
    }

    /** A new authority named {@code CN=name}. */
    public static PrivateCa create(String name) {
        KeyPair keys = keyPair();
        var ext = new ExtensionsGenerator();
        try {
            ext.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
            ext.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new PrivateCa(name, keys, sign(name, keys.getPrivate(), name, keys, ext));
    }

    /** The authority's certificate. */
    public X509Certificate certificate() {
        return certificate;
    }

    /** Writes the authority's certificate as PEM (what {@code curl --cacert} and a CA file take). */
    public Path writeCertificate(Path file) {
        return write(file, pem("CERTIFICATE", encoded(certificate)));
    }

    /**
     * A server certificate for {@code dnsNames} (the first also its CN), signed by this authority:
     * {@code cert.pem} (the certificate, then the authority's) and {@code key.pem} (PKCS#8) in {@code dir}.
     */
    public CertificateFiles.Pair issue(Path dir, String... dnsNames) {
        return issue(dir, this, dnsNames);
    }

    /** A certificate for {@code dnsNames} signed by its own key: no authority vouches for it. */
    public static CertificateFiles.Pair selfSigned(Path dir, String... dnsNames) {
        return issue(dir, null, dnsNames);
    }

    private static CertificateFiles.Pair issue(Path dir, PrivateCa ca, String... dnsNames) {
        KeyPair keys = keyPair();
        var ext = new ExtensionsGenerator();
        try {
            GeneralName[] names = new GeneralName[dnsNames.length];
            for (int i = 0; i < names.length; i++) names[i] = new GeneralName(GeneralName.dNSName, dnsNames[i]);
            ext.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names));
            ext.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
            ext.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        X509Certificate cert = ca == null ? sign(dnsNames[0], keys.getPrivate(), dnsNames[0], keys, ext)
                : sign(ca.name, ca.keys.getPrivate(), dnsNames[0], keys, ext);
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String chain = pem("CERTIFICATE", encoded(cert)) + (ca == null ? "" : pem("CERTIFICATE", encoded(ca.certificate)));
        Path certFile = write(dir.resolve("cert.pem"), chain);
        Path keyFile = write(dir.resolve("key.pem"), pem("PRIVATE KEY", keys.getPrivate().getEncoded()));
        return new CertificateFiles.Pair(certFile, keyFile);
    }

    private static X509Certificate sign(String issuer, PrivateKey issuerKey, String subject, KeyPair subjectKeys, ExtensionsGenerator ext) {
        try {
            var tbs = new V3TBSCertificateGenerator();
            tbs.setSerialNumber(new ASN1Integer(BigInteger.valueOf(SERIALS.incrementAndGet())));
            tbs.setIssuer(new X500Name("CN=" + issuer));
            tbs.setSubject(new X500Name("CN=" + subject));
            Instant now = Instant.now();
            tbs.setStartDate(new Time(Date.from(now.minus(Duration.ofHours(1)))));
            tbs.setEndDate(new Time(Date.from(now.plus(Duration.ofDays(30)))));
            tbs.setSubjectPublicKeyInfo(SubjectPublicKeyInfo.getInstance(subjectKeys.getPublic().getEncoded()));
            tbs.setSignature(ECDSA_SHA256);
            tbs.setExtensions(ext.generate());
            TBSCertificate t = tbs.generateTBSCertificate();
            Signature s = Signature.getInstance("SHA256withECDSA");
            s.initSign(issuerKey);
            s.update(t.getEncoded(ASN1Encoding.DER));
            byte[] der = new DERSequence(new ASN1Encodable[] {t, ECDSA_SHA256, new DERBitString(s.sign())}).getEncoded(ASN1Encoding.DER);
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der));
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot sign a test certificate", e);
        }
    }

    private static KeyPair keyPair() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"));
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] encoded(X509Certificate c) {
        try {
            return c.getEncoded();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(der) + "\n-----END " + type + "-----\n";
    }

    private static Path write(Path file, String text) {
        try {
            Files.writeString(file, text);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
