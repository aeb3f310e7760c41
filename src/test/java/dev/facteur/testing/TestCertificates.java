package dev.facteur.testing;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.DERBitString;
import org.bouncycastle.asn1.DERNull;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Certificate;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.ExtensionsGenerator;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x509.TBSCertificate;
import org.bouncycastle.asn1.x509.Time;
import org.bouncycastle.asn1.x509.V3TBSCertificateGenerator;

/**
 * X.509 certificates made in this JVM (RFC 5280 §4.1, signed sha256WithRSAEncryption), with any
 * validity and issuer: expired ones, ones that expire next week, chains in the wrong order. The JDK
 * has no API to sign a certificate and keytool is another process, which a unit test may not start.
 */
public final class TestCertificates {

    private static final AtomicLong SERIAL = new AtomicLong(1);
    private static final AlgorithmIdentifier SHA256_RSA = new AlgorithmIdentifier(PKCSObjectIdentifiers.sha256WithRSAEncryption, DERNull.INSTANCE);

    /** A certificate and the key pair it certifies. */
    public record Issued(X509Certificate certificate, KeyPair keys) {}

    private TestCertificates() {}

    public static KeyPair rsa() throws GeneralSecurityException {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(1024); // small and quick: no handshake is made with it
        return g.generateKeyPair();
    }

    /** A self-signed certificate for {@code names} (the first is the CN), valid between the two instants. */
    public static Issued selfSigned(List<String> names, Instant notBefore, Instant notAfter) throws Exception {
        return issue(names, notBefore, notAfter, rsa(), null, false);
    }

    /** An authority, to issue others. */
    public static Issued authority(String name, Instant notBefore, Instant notAfter) throws Exception {
        return issue(List.of(name), notBefore, notAfter, rsa(), null, true);
    }

    /** @param issuer null: self-signed */
    public static Issued issue(List<String> names, Instant notBefore, Instant notAfter, KeyPair keys, Issued issuer, boolean ca)
            throws Exception {
        var g = new V3TBSCertificateGenerator();
        g.setSerialNumber(new ASN1Integer(BigInteger.valueOf(SERIAL.getAndIncrement())));
        X500Name subject = new X500Name("CN=" + names.getFirst());
        g.setSubject(subject);
        g.setIssuer(issuer == null ? subject : X500Name.getInstance(issuer.certificate().getSubjectX500Principal().getEncoded()));
        g.setStartDate(new Time(Date.from(notBefore)));
        g.setEndDate(new Time(Date.from(notAfter)));
        g.setSubjectPublicKeyInfo(SubjectPublicKeyInfo.getInstance(keys.getPublic().getEncoded()));
        g.setSignature(SHA256_RSA);
        var extensions = new ExtensionsGenerator();
        if (ca) extensions.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
        else extensions.addExtension(Extension.subjectAlternativeName, false,
                new GeneralNames(names.stream().map(n -> new GeneralName(GeneralName.dNSName, n)).toArray(GeneralName[]::new)));
        g.setExtensions(extensions.generate());
        TBSCertificate tbs = g.generateTBSCertificate();
        Signature s = Signature.getInstance("SHA256withRSA");
        s.initSign(issuer == null ? keys.getPrivate() : issuer.keys().getPrivate());
        s.update(tbs.getEncoded(ASN1Encoding.DER));
        Certificate c = Certificate.getInstance(new DERSequence(new ASN1Encodable[] {tbs, SHA256_RSA, new DERBitString(s.sign())}));
        var x509 = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(c.getEncoded()));
        return new Issued(x509, keys);
    }

    /** Writes the certificates, in this order, as one PEM file. */
    public static Path writeChain(Path file, X509Certificate... chain) throws Exception {
        StringBuilder pem = new StringBuilder();
        for (X509Certificate c : chain) pem.append(pem("CERTIFICATE", c.getEncoded()));
        Files.writeString(file, pem);
        return file;
    }

    /** Writes the private key as PKCS#8 PEM. */
    public static Path writeKey(Path file, KeyPair keys) throws IOException {
        Files.writeString(file, pem("PRIVATE KEY", keys.getPrivate().getEncoded()));
        return file;
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der) + "\n-----END " + type + "-----\n";
    }
}
