package dev.facteur.dane;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.dns.Tlsa;
import dev.facteur.testing.TestCa;
import dev.facteur.testing.TestResources;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import org.assertj.core.api.AbstractStringAssert;
import org.assertj.core.api.ObjectAssert;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** RFC 7672 §3: a server's chain against its TLSA records, as an SMTP client checks it. */
class DaneVerifierTest {

    private static final String MX = "mx.dane.test";
    private static final List<String> NAMES = List.of(MX, "dane.test");
    private static final Instant NOW = Instant.now();

    private final DaneVerifier verifier = new DaneVerifier(Clock.systemUTC());

    // One CA for the whole class: root, issuing CA, and a server certificate for the MX host.
    private static final TestCa ROOT = TestCa.root("DANE Test Root");
    private static final TestCa ISSUING = ROOT.intermediate("DANE Test Issuing CA");
    private static final TestCa.Issued SERVER = ISSUING.server(MX);

    // --- DANE-EE(3), §3.1.1

    @ParameterizedTest(name = "3 {0} {1}")
    @CsvSource({"0, 0", "0, 1", "0, 2", "1, 0", "1, 1", "1, 2"})
    void daneEeMatchesTheServerCertificateWithEverySelectorAndMatchingType(int selector, int matching) {
        X509Certificate self = TestCa.selfSigned(MX).certificate();
        assertVerified(verify(List.of(self), record(Tlsa.DANE_EE, selector, matching, self)))
                .satisfies(v -> assertThat(v.how()).startsWith(record(Tlsa.DANE_EE, selector, matching, self).mnemonic() + " matched"));
    }

    @Test
    void daneEeDigestsAreTheOnesOpenSslComputes() throws Exception {
        X509Certificate vector = vector();
        assertVerified(verify(List.of(vector), Tlsa.parse("3 1 1 6e951bc449fd2a4693f8542f1a9a350435684e18a20085184e71fd8232740634")));
        assertVerified(verify(List.of(vector), Tlsa.parse("3 0 1 1a64628dd0f9e7bd7ef2ff8bcd3f2007d235ea5d15725e907ad89e71198c65a8")));
        assertVerified(verify(List.of(vector), Tlsa.parse("3 1 2 9a6980272ff96c235a19181a025d97e174d8d351a4e545b8afd6214ddaee1269"
                + "b6bfd2e9bdf0908dd08db0ffb20f5b7c2f70b12e27ee3e8652af5cc93f9c0e21")));
    }

    @Test
    void daneEeFailsForAnotherKey() {
        X509Certificate presented = TestCa.selfSigned(MX).certificate();
        X509Certificate published = TestCa.selfSigned(MX).certificate();
        assertFailed(verify(List.of(presented), record(Tlsa.DANE_EE, Tlsa.SPKI, Tlsa.SHA2_256, published)))
                .contains("no TLSA record matches");
    }

    @Test
    void daneEeChecksNeitherNamesNorDates() { // §3.1.1, §3.2.1: the signed record vouches for the key
        TestCa.Issued expired = ROOT.server(NOW.minus(Duration.ofDays(400)), NOW.minus(Duration.ofDays(35)), "somewhere.else.test");
        assertVerified(verify(expired.chain(), record(Tlsa.DANE_EE, Tlsa.SPKI, Tlsa.SHA2_256, expired.certificate())));
    }

    @Test
    void daneEeIsAboutTheServerCertificateOnly() {
        assertFailed(verify(SERVER.chain(), record(Tlsa.DANE_EE, Tlsa.CERT, Tlsa.SHA2_256, ISSUING.certificate())));
    }

    // --- DANE-TA(2), §3.1.2, §3.2.2, §3.2.3

    @Test
    void daneTaMatchingTheRootAnchorsTheChainBelowIt() {
        Tlsa root = record(Tlsa.DANE_TA, Tlsa.CERT, Tlsa.SHA2_256, ROOT.certificate());
        assertVerified(verify(SERVER.chain(), root)).satisfies(v -> {
            assertThat(v.record()).isEqualTo(root);
            assertThat(v.how()).contains("at depth 2", "names " + MX);
        });
    }

    @Test
    void daneTaMayMatchAnIntermediate() {
        assertVerified(verify(SERVER.chain(), record(Tlsa.DANE_TA, Tlsa.SPKI, Tlsa.SHA2_512, ISSUING.certificate())))
                .satisfies(v -> assertThat(v.how()).contains("at depth 1"));
    }

    @Test
    void daneTaAcceptsTheDestinationDomainAsTheServersName() { // §3.2.2
        TestCa.Issued named = ROOT.server("dane.test");
        assertVerified(verify(named.chain(), record(Tlsa.DANE_TA, Tlsa.CERT, Tlsa.SHA2_256, ROOT.certificate())))
                .satisfies(v -> assertThat(v.how()).endsWith("names dane.test"));
    }

    @Test
    void daneTaFailsWhenTheServerCertificateNamesNoReferenceIdentifier() {
        TestCa.Issued elsewhere = ROOT.server("mx.elsewhere.test", "elsewhere.test");
        assertFailed(verify(elsewhere.chain(), record(Tlsa.DANE_TA, Tlsa.CERT, Tlsa.SHA2_256, ROOT.certificate())))
                .contains("names [mx.elsewhere.test, elsewhere.test], none of [mx.dane.test, dane.test]");
    }

    @Test
    void aWildcardStandsForTheWholeLeftMostLabelAndOnlyIt() { // §3.2.3
        Tlsa root = record(Tlsa.DANE_TA, Tlsa.CERT, Tlsa.SHA2_256, ROOT.certificate());
        assertVerified(verify(ROOT.server("*.dane.test").chain(), root));
        assertFailed(verify(ROOT.server("*.test").chain(), root));
        assertFailed(new DaneVerifier(Clock.systemUTC()).verify(ROOT.server("*.dane.test").chain(), List.of(root), List.of("a.mx.dane.test")));
    }

    @Test
    void theSubjectCommonNameCountsOnlyWithoutDnsNames() { // §3.2.3
        Tlsa root = record(Tlsa.DANE_TA, Tlsa.CERT, Tlsa.SHA2_256, ROOT.certificate());
        assertVerified(verify(ROOT.serverNamedInSubjectOnly(MX).chain(), root));
    }

    @Test
    void daneTaChecksTheServerCertificatesDates() {
        TestCa.Issued expired = ROOT.server(NOW.minus(Duration.ofDays(400)), NOW.minus(Duration.ofDays(35)), MX);
        assertFailed(verify(expired.chain(), record(Tlsa.DANE_TA, Tlsa.CERT, Tlsa.SHA2_256, ROOT.certificate())))
                .contains("does not hold");
        TestCa.Issued notYet = ROOT.server(NOW.plus(Duration.ofDays(2)), NOW.plus(Duration.ofDays(30)), MX);
        assertFailed(verify(notYet.chain(), record(Tlsa.DANE_TA, Tlsa.CERT, Tlsa.SHA2_256, ROOT.certificate())));
    }

    @Test
    void butNotThoseOfTheAnchorItself() { // RFC 5280 §6.1.1: an anchor is a name and a key
        TestCa oldRoot = TestCa.root("Expired Root", NOW.minus(Duration.ofDays(800)), NOW.minus(Duration.ofDays(1)));
        TestCa.Issued server = oldRoot.server(MX);
        assertVerified(verify(server.chain(), record(Tlsa.DANE_TA, Tlsa.SPKI, Tlsa.SHA2_256, oldRoot.certificate())));
    }

    @Test
    void daneTaMatchingTheServerCertificateItselfIsNoAnchor() {
        TestCa.Issued self = TestCa.selfSigned(MX);
        assertFailed(verify(self.chain(), record(Tlsa.DANE_TA, Tlsa.CERT, Tlsa.SHA2_256, self.certificate())));
    }

    @Test
    void theMatchedAnchorMustHaveIssuedTheChain() {
        TestCa stranger = TestCa.root("Stranger");
        List<X509Certificate> chain = List.of(SERVER.certificate(), stranger.certificate());
        assertFailed(verify(chain, record(Tlsa.DANE_TA, Tlsa.CERT, Tlsa.SHA2_256, stranger.certificate())))
                .contains("matched \"CN=Stranger\" at depth 1, but the chain below it does not hold");
    }

    @Test
    void aFullRecordHoldsTheAnchorTheServerLeftOut() { // RFC 7671 §5.2.2, §5.2.3
        List<X509Certificate> withoutRoot = SERVER.chain().subList(0, 2);
        assertVerified(verify(withoutRoot, record(Tlsa.DANE_TA, Tlsa.CERT, Tlsa.FULL, ROOT.certificate())));
        assertVerified(verify(withoutRoot, record(Tlsa.DANE_TA, Tlsa.SPKI, Tlsa.FULL, ROOT.certificate())))
                .satisfies(v -> assertThat(v.how()).contains("holds the key that issued \"CN=DANE Test Issuing CA\""));
        assertFailed(verify(withoutRoot, record(Tlsa.DANE_TA, Tlsa.CERT, Tlsa.SHA2_256, ROOT.certificate())));
    }

    // --- usability, §3.1.3 and RFC 7671 §9

    @Test
    void pkixUsagesAreIgnoredEvenWhenTheyMatch() {
        assertFailed(verify(SERVER.chain(), record(Tlsa.PKIX_EE, Tlsa.CERT, Tlsa.SHA2_256, SERVER.certificate()),
                record(Tlsa.PKIX_TA, Tlsa.CERT, Tlsa.SHA2_256, ROOT.certificate()))).startsWith("no usable TLSA record");
    }

    @Test
    void oneMatchingUsableRecordAmongUnusableAndMismatchedOnesIsEnough() {
        X509Certificate other = TestCa.selfSigned(MX).certificate();
        Tlsa matching = record(Tlsa.DANE_EE, Tlsa.CERT, Tlsa.SHA2_256, SERVER.certificate());
        assertVerified(verify(SERVER.chain(), record(Tlsa.PKIX_EE, Tlsa.SPKI, Tlsa.SHA2_256, SERVER.certificate()),
                record(Tlsa.DANE_EE, Tlsa.SPKI, Tlsa.SHA2_256, other), matching, Tlsa.parse("3 1 7 00")))
                .satisfies(v -> assertThat(v.record()).isEqualTo(matching));
    }

    @Test
    void aMalformedDigestMatchesNothing() {
        byte[] digest = record(Tlsa.DANE_EE, Tlsa.SPKI, Tlsa.SHA2_256, SERVER.certificate()).data();
        assertFailed(verify(SERVER.chain(), new Tlsa(Tlsa.DANE_EE, Tlsa.SPKI, Tlsa.SHA2_256, Arrays.copyOf(digest, 31))))
                .startsWith("no usable TLSA record");
    }

    @Test
    void aWeakerDigestIsNotEnoughWhenAStrongerOneIsPublished() { // RFC 7671 §9
        Tlsa sha256 = record(Tlsa.DANE_EE, Tlsa.SPKI, Tlsa.SHA2_256, SERVER.certificate());
        Tlsa otherSha512 = record(Tlsa.DANE_EE, Tlsa.SPKI, Tlsa.SHA2_512, TestCa.selfSigned(MX).certificate());
        assertFailed(verify(SERVER.chain(), sha256, otherSha512));
        assertVerified(verify(SERVER.chain(), sha256));
    }

    @Test
    void noCertificateNoMatch() {
        assertFailed(verify(List.of(), record(Tlsa.DANE_EE, Tlsa.SPKI, Tlsa.SHA2_256, SERVER.certificate())));
    }

    // --- helpers

    private Verification verify(List<X509Certificate> chain, Tlsa... records) {
        return verifier.verify(chain, List.of(records), NAMES);
    }

    /** The record for {@code c}, computed here with the JDK's digests: what a zone would publish. */
    static Tlsa record(int usage, int selector, int matching, X509Certificate c) {
        try {
            byte[] selected = selector == Tlsa.CERT ? c.getEncoded() : c.getPublicKey().getEncoded();
            byte[] data = switch (matching) {
                case Tlsa.FULL -> selected;
                case Tlsa.SHA2_256 -> MessageDigest.getInstance("SHA-256").digest(selected);
                default -> MessageDigest.getInstance("SHA-512").digest(selected);
            };
            return new Tlsa(usage, selector, matching, data);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static ObjectAssert<Verification.Verified> assertVerified(Verification v) {
        assertThat(v).isInstanceOf(Verification.Verified.class);
        return assertThat((Verification.Verified) v);
    }

    private static AbstractStringAssert<?> assertFailed(Verification v) {
        assertThat(v).isInstanceOf(Verification.Failed.class);
        return assertThat(((Verification.Failed) v).reason());
    }

    private static X509Certificate vector() throws Exception {
        String pem = TestResources.text(DaneVerifierTest.class, "/dev/facteur/dns/mx.example.test.pem");
        pem = pem.substring(pem.indexOf("-----BEGIN"));
        return (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
    }
}
