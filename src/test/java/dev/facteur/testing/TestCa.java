package dev.facteur.testing;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1EncodableVector;
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
 * A certificate authority of its own for tests, in this JVM (no keytool, so unit tests may use
 * it): a root, intermediates under it, and server certificates with the names, dates and keys a
 * test wants. Keys are ECDSA P-256, quick to make; certificates are signed with SHA-256.
 *
 * <pre>{@code
 * TestCa root = TestCa.root("Test Root");
 * TestCa.Issued mx = root.intermediate("Test Issuing CA").server("mx.example.test");
 * SSLContext server = mx.serverContext(); // presents mx's whole chain: server, intermediate, root
 * }</pre>
 */
public final class TestCa {

    private static final AtomicLong SERIAL = new AtomicLong(System.nanoTime());
    private static final AlgorithmIdentifier ECDSA_SHA256 = new AlgorithmIdentifier(X9ObjectIdentifiers.ecdsa_with_SHA256);
    private static final Duration VALID = Duration.ofDays(365);

    private final X509Certificate certificate;
    private final KeyPair keys;
    private final List<X509Certificate> issuers; // above this CA, nearest first; empty for a root

    private TestCa(X509Certificate certificate, KeyPair keys, List<X509Certificate> issuers) {
        this.certificate = certificate;
        this.keys = keys;
        this.issuers = issuers;
    }

    /**
     * A server certificate, its key, and its whole chain: itself first, then its issuers up to the
     * root, as a server with DANE-TA(2) records must present it (RFC 7672 §3.1.2).
     */
    public record Issued(X509Certificate certificate, KeyPair keys, List<X509Certificate> chain) {

        /** A server context presenting this certificate and {@link #chain}. */
        public SSLContext serverContext() {
            return serverContext(chain);
        }

        /** A server context presenting this certificate's key with {@code presented} as its chain. */
        public SSLContext serverContext(List<X509Certificate> presented) {
            try {
                KeyStore ks = KeyStore.getInstance("PKCS12");
                ks.load(null, null);
                ks.setKeyEntry("server", keys.getPrivate(), new char[0], presented.toArray(X509Certificate[]::new));
                KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(ks, new char[0]);
                SSLContext context = SSLContext.getInstance("TLS");
                context.init(kmf.getKeyManagers(), null, null);
                return context;
            } catch (GeneralSecurityException | IOException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** A self-signed root CA, valid from yesterday for a year. */
    public static TestCa root(String name) {
        Instant now = Instant.now();
        return root(name, now.minus(Duration.ofDays(1)), now.plus(VALID));
    }

    /** A self-signed root CA valid from {@code notBefore} to {@code notAfter}. */
    public static TestCa root(String name, Instant notBefore, Instant notAfter) {
        KeyPair keys = keyPair();
        return new TestCa(sign(name, name, keys, keys, notBefore, notAfter, true, List.of()), keys, List.of());
    }

    /** A CA issued by this one. */
    public TestCa intermediate(String name) {
        KeyPair child = keyPair();
        Instant now = Instant.now();
        return new TestCa(sign(name, subject(), child, keys, now.minus(Duration.ofDays(1)), now.plus(VALID), true, List.of()), child, chain());
    }

    /** A server certificate valid from yesterday for a year, naming {@code dnsNames} (CN the first, SAN all). */
    public Issued server(String... dnsNames) {
        Instant now = Instant.now();
        return server(now.minus(Duration.ofDays(1)), now.plus(VALID), dnsNames);
    }

    /** A server certificate valid from {@code notBefore} to {@code notAfter}. */
    public Issued server(Instant notBefore, Instant notAfter, String... dnsNames) {
        KeyPair leaf = keyPair();
        X509Certificate c = sign(dnsNames.length > 0 ? dnsNames[0] : "no name", subject(), leaf, keys, notBefore, notAfter, false,
                Arrays.asList(dnsNames));
        var chain = new ArrayList<X509Certificate>();
        chain.add(c);
        chain.addAll(chain());
        return new Issued(c, leaf, List.copyOf(chain));
    }

    /** A server certificate whose only name is its subject's CN: no subjectAltName at all. */
    public Issued serverNamedInSubjectOnly(String commonName) {
        Instant now = Instant.now();
        KeyPair leaf = keyPair();
        X509Certificate c = sign(commonName, subject(), leaf, keys, now.minus(Duration.ofDays(1)), now.plus(VALID), false, List.of());
        var chain = new ArrayList<X509Certificate>();
        chain.add(c);
        chain.addAll(chain());
        return new Issued(c, leaf, List.copyOf(chain));
    }

    /** A self-signed server certificate, the usual thing behind a DANE-EE(3) record. */
    public static Issued selfSigned(String... dnsNames) {
        KeyPair keys = keyPair();
        Instant now = Instant.now();
        String name = dnsNames.length > 0 ? dnsNames[0] : "no name";
        X509Certificate c = sign(name, name, keys, keys, now.minus(Duration.ofDays(1)), now.plus(VALID), false, Arrays.asList(dnsNames));
        return new Issued(c, keys, List.of(c));
    }

    public X509Certificate certificate() {
        return certificate;
    }

    /** This CA and those above it, this one first: the root last. */
    public List<X509Certificate> chain() {
        var chain = new ArrayList<X509Certificate>();
        chain.add(certificate);
        chain.addAll(issuers);
        return chain;
    }

    private String subject() {
        return certificate.getSubjectX500Principal().getName().replaceFirst("^CN=", "");
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

    /** RFC 5280 §4.1: the TBSCertificate, signed by the issuer's key, in a Certificate SEQUENCE. */
    private static X509Certificate sign(String subject, String issuer, KeyPair subjectKeys, KeyPair issuerKeys, Instant notBefore,
            Instant notAfter, boolean ca, List<String> dnsNames) {
        try {
            var tbs = new V3TBSCertificateGenerator();
            tbs.setSerialNumber(new ASN1Integer(BigInteger.valueOf(SERIAL.incrementAndGet())));
            tbs.setIssuer(new X500Name("CN=" + issuer));
            tbs.setSubject(new X500Name("CN=" + subject));
            tbs.setStartDate(new Time(Date.from(notBefore)));
            tbs.setEndDate(new Time(Date.from(notAfter)));
            tbs.setSubjectPublicKeyInfo(SubjectPublicKeyInfo.getInstance(subjectKeys.getPublic().getEncoded()));
            tbs.setSignature(ECDSA_SHA256);
            var extensions = new ExtensionsGenerator();
            extensions.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
            extensions.addExtension(Extension.keyUsage, true,
                    new KeyUsage(ca ? KeyUsage.keyCertSign | KeyUsage.cRLSign : KeyUsage.digitalSignature));
            if (!ca) extensions.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
            if (!dnsNames.isEmpty())
                extensions.addExtension(Extension.subjectAlternativeName, false,
                        new GeneralNames(dnsNames.stream().map(n -> new GeneralName(GeneralName.dNSName, n)).toArray(GeneralName[]::new)));
            tbs.setExtensions(extensions.generate());
            TBSCertificate body = tbs.generateTBSCertificate();
            Signature signer = Signature.getInstance("SHA256withECDSA");
            signer.initSign(issuerKeys.getPrivate());
            signer.update(body.getEncoded(ASN1Encoding.DER));
            var certificate = new ASN1EncodableVector();
            certificate.add(body);
            certificate.add(ECDSA_SHA256);
            certificate.add(new DERBitString(signer.sign()));
            byte[] der = new DERSequence(certificate).getEncoded(ASN1Encoding.DER);
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
