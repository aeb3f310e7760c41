package dev.facteur.doctor;

import static dev.facteur.doctor.World.ADDRESS;
import static dev.facteur.doctor.World.DOMAIN;
import static dev.facteur.doctor.World.HOST;
import static dev.facteur.doctor.World.lines;
import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.config.Config;
import dev.facteur.dns.Mx;
import dev.facteur.dns.MxAnswer;
import dev.facteur.dns.Tlsa;
import dev.facteur.dns.Validated;
import dev.facteur.testing.FakeDnsResolver;
import dev.facteur.testing.FakeSecureDns;
import dev.facteur.testing.TestCa;
import dev.facteur.testing.TestCertificates;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The TLSA records of the MX hosts that are this server (RFC 7672 DANE, RFC 6698 records), as a
 * sender that uses DANE finds them through DNSSEC and checks our certificate against them. DNS
 * with DNSSEC status is a {@link FakeSecureDns}: each test says what DNSSEC proves.
 */
class TlsaChecksTest {

    /** Now: DANE-TA(2) chains are checked for validity, and {@link TestCa} issues from now. */
    private static final Clock CLOCK = Clock.systemUTC();
    private static final String TLSA_NAME = "_25._tcp." + HOST;

    @TempDir
    Path dir;

    private TestCertificates.Issued ours;
    private Config config;
    private FakeDnsResolver dns;

    /** mx.example.org, the MX of example.org, presents a self-signed certificate on STARTTLS. */
    @BeforeEach
    void world() throws Exception {
        ours = certificate(HOST);
        config = withTls(tls("ours", ours));
        dns = World.dns();
    }

    private TestCertificates.Issued certificate(String name) throws Exception {
        Instant now = CLOCK.instant();
        return TestCertificates.selfSigned(List.of(name), now.minus(Duration.ofDays(1)), now.plus(Duration.ofDays(90)));
    }

    private String tls(String name, TestCertificates.Issued cert) throws Exception {
        return "certificate = '" + TestCertificates.writeChain(dir.resolve(name + ".pem"), cert.certificate()) + "'\nprivate_key = '"
                + TestCertificates.writeKey(dir.resolve(name + ".key"), cert.keys()) + "'\n";
    }

    private static Config withTls(String tlsTable) {
        return World.config("[local]\ndomains = [\"" + DOMAIN + "\"]\n[doctor]\npublic_addresses = [\"" + ADDRESS + "\"]\n[tls]\n" + tlsTable);
    }

    private List<Check> check(FakeSecureDns secure) {
        return check(config, secure);
    }

    private List<Check> check(Config config, FakeSecureDns secure) {
        return new TlsaChecks(secure, dns, CLOCK).check(World.server(config, dns), World.local());
    }

    /** DNSSEC proves these are the TLSA records of mx.example.org's SMTP port. */
    private static FakeSecureDns signed(Tlsa... records) {
        return new FakeSecureDns().withTlsa(HOST, 25, new Validated.Secure<>(List.of(records)));
    }

    /**
     * RFC 6698 §2.1: "3 1 1" is DANE-EE(3), the SubjectPublicKeyInfo(1), its SHA-256(1). Computed
     * here from the definition, not by the code under test.
     */
    private static Tlsa daneEe(X509Certificate certificate) {
        return new Tlsa(3, 1, 1, sha256(certificate.getPublicKey()));
    }

    private static byte[] sha256(PublicKey key) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(key.getEncoded());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String publish(X509Certificate certificate) {
        return "_25._tcp.mx.example.org. TLSA 3 1 1 " + HexFormat.of().formatHex(sha256(certificate.getPublicKey()));
    }

    private static String start(Tlsa record) {
        return HexFormat.of().formatHex(record.data()).substring(0, 16);
    }

    @Test
    void withoutDnssecNothingIsAskedAndTheCheckSaysHowToTurnItOn() {
        var checks = new TlsaChecks(null, dns, CLOCK).check(World.server(config, dns), World.local());
        assertThat(lines(checks)).containsExactly("skipped: TLSA records (DANE) of the MX hosts of example.org: not checked, [dns] dnssec is off");
        assertThat(checks.getFirst().fix()).singleElement().asString().startsWith("[dns] dnssec = \"validate\"");
        assertThat(dns.asked()).as("not even which MX hosts are ours").doesNotContain("MX " + DOMAIN);
    }

    @Test
    void anUnsignedZoneHasNoDaneAndThatIsNoFault() { // RFC 7672 §2.2: senders use only TLSA records DNSSEC proves
        var secure = new FakeSecureDns().withTlsa(HOST, 25, new Validated.Insecure<>(List.of(daneEe(ours.certificate()))));
        var checks = check(secure);
        assertThat(lines(checks)).containsExactly("skipped: No DANE for mx.example.org: its zone is not signed with DNSSEC");
        assertThat(checks.getFirst().details()).startsWith("DANE needs a DNSSEC-signed zone");
    }

    @Test
    void bogusSignaturesFailForSendersThatUseDaneDeferMail() { // RFC 7672 §2.1.1
        var checks = check(new FakeSecureDns().withTlsa(HOST, 25, new Validated.Bogus<>("RRSIG of _25._tcp.mx.example.org expired")));
        assertThat(lines(checks)).containsExactly("fail: The DNSSEC signatures of _25._tcp.mx.example.org do not verify (bogus)");
        assertThat(checks.getFirst().details()).startsWith("RRSIG of _25._tcp.mx.example.org expired; senders that use DANE defer mail");
    }

    @Test
    void aLookupThatCannotBeJudgedIsAWarningNotAVerdict() {
        var checks = check(new FakeSecureDns().withTlsa(HOST, 25, new Validated.TempFail<>("SERVFAIL from 127.0.0.53")));
        assertThat(lines(checks)).containsExactly("warn: The TLSA records of _25._tcp.mx.example.org could not be had with DNSSEC");
        assertThat(checks.getFirst().details()).startsWith("SERVFAIL from 127.0.0.53");
    }

    @Test
    void aSignedZoneWithoutTlsaRecordsIsASuggestionWithTheRecordOfOurKey() { // RFC 7671 §5.1: 3 1 1
        var checks = check(signed());
        assertThat(lines(checks)).containsExactly("skipped: No TLSA records for mx.example.org");
        assertThat(checks.getFirst().fix()).containsExactly(publish(ours.certificate()));
    }

    @Test
    void theRecordThatMatchesOurKeyIsNamed() { // RFC 7672 §3.1.1
        Tlsa current = daneEe(ours.certificate()), next = daneEe(TestCa.selfSigned(HOST).certificate());
        var checks = check(signed(next, current));
        assertThat(lines(checks)).containsExactly("pass: The certificate matches the TLSA record of mx.example.org (3 1 1 " + start(current) + "...)");
        assertThat(checks.getFirst().details()).startsWith(publish(ours.certificate()) + ": DANE-EE(3) SPKI(1) SHA2-256(1) matched");
    }

    @Test
    void aLoneRecordOfTheCurrentKeyWarnsBeforeTheKeyChanges() { // RFC 7671 §8.1: the next key's record goes first
        var checks = check(signed(daneEe(ours.certificate())));
        assertThat(lines(checks)).containsExactly(
                "pass: The certificate matches the TLSA record of mx.example.org (3 1 1 " + start(daneEe(ours.certificate())) + "...)",
                "warn: The TLSA records of _25._tcp.mx.example.org name the current key only");
        assertThat(checks.getLast().fix()).first().isEqualTo("_25._tcp.mx.example.org. TLSA 3 1 1 <SHA-256 of the next key>");
    }

    @Test
    void aRecordOfAnotherKeyFailsWithTheRecordToPublish() { // RFC 7672 §2.2: senders that use DANE defer the mail
        var checks = check(signed(daneEe(TestCa.selfSigned(HOST).certificate())));
        assertThat(lines(checks)).containsExactly("fail: No TLSA record of _25._tcp.mx.example.org matches the certificate");
        assertThat(checks.getFirst().details()).contains("no TLSA record matches", "senders that use DANE defer mail to mx.example.org");
        assertThat(checks.getFirst().fix()).containsExactly(publish(ours.certificate()));
    }

    @Test
    void pkixUsagesAreUnusableForSmtpSoSendersAuthenticateNothing() { // RFC 7672 §3.1.3
        Tlsa pkixEe = new Tlsa(1, 1, 1, sha256(ours.certificate().getPublicKey()));
        var checks = check(signed(pkixEe, new Tlsa(3, 1, 7, new byte[32])));
        assertThat(lines(checks)).containsExactly("warn: None of the TLSA records of _25._tcp.mx.example.org is usable for SMTP");
        assertThat(checks.getFirst().details()).contains("PKIX usages are not for SMTP", "unknown matching type 7",
                "insist on TLS with mx.example.org but authenticate nothing");
        assertThat(checks.getFirst().fix()).containsExactly(publish(ours.certificate()));
    }

    @Test
    void aWeakerDigestBesideAStrongerOneIsIgnoredAndTheFailureSaysSo() { // RFC 7671 §9: digest algorithm agility
        Tlsa sha512OfAnotherKey = new Tlsa(3, 1, 2, new byte[64]);
        var checks = check(signed(daneEe(ours.certificate()), sha512OfAnotherKey));
        assertThat(lines(checks)).containsExactly("fail: No TLSA record of _25._tcp.mx.example.org matches the certificate");
        assertThat(checks.getFirst().details()).contains("DANE-EE(3) SPKI(1) SHA2-256(1): ignored beside a stronger digest");
    }

    @Test
    void aDaneTaRecordOfOurAuthorityMatchesTheChainAndOutlivesTheKey() throws Exception { // RFC 7672 §3.1.2
        TestCa authority = TestCa.root("Example Issuing CA");
        var issued = authority.server(HOST);
        Path chain = TestCertificates.writeChain(dir.resolve("chain.pem"), issued.chain().toArray(X509Certificate[]::new));
        config = withTls("certificate = '" + chain + "'\nprivate_key = '" + TestCertificates.writeKey(dir.resolve("chain.key"), issued.keys()) + "'\n");
        Tlsa daneTa = new Tlsa(2, 1, 1, sha256(authority.certificate().getPublicKey()));

        var checks = check(signed(daneTa));
        assertThat(lines(checks)).as("no warning: a new key from the same authority still matches")
                .containsExactly("pass: The certificate matches the TLSA record of mx.example.org (2 1 1 " + start(daneTa) + "...)");
    }

    @Test
    void tlsaRecordsWithoutStartTlsFail() { // RFC 7672 §2.2: DANE senders require TLS
        var checks = check(World.config(), signed(daneEe(ours.certificate())));
        assertThat(lines(checks)).containsExactly("fail: _25._tcp.mx.example.org has TLSA records, but this server offers no STARTTLS");
    }

    @Test
    void theCertificateCheckedIsTheOneSniGivesTheMxHost() throws Exception { // RFC 7672 §8.1: DANE senders send SNI
        var main = certificate("www.example.org");
        var sni = certificate(HOST);
        config = withTls(tls("main", main) + "[[tls.sni]]\n" + tls("sni", sni));
        assertThat(lines(check(signed(daneEe(sni.certificate()), daneEe(ours.certificate()))))).singleElement().asString().startsWith("pass: ");
        var checks = check(signed(daneEe(main.certificate())));
        assertThat(lines(checks)).containsExactly("fail: No TLSA record of _25._tcp.mx.example.org matches the certificate");
        assertThat(checks.getFirst().fix()).containsExactly(publish(sni.certificate()));
    }

    @Test
    void onlyTheMxHostsThatAreThisServerAreAsked() {
        dns.withMx(DOMAIN, new Mx(10, HOST), new Mx(20, "backup.elsewhere.example")).withAddresses("backup.elsewhere.example", "198.51.100.7");
        var secure = signed(daneEe(ours.certificate()), daneEe(TestCa.selfSigned(HOST).certificate()));
        assertThat(lines(check(secure))).singleElement().asString().startsWith("pass: ");
        assertThat(secure.asked()).containsExactly("TLSA mx.example.org:25");
    }

    @Test
    void withoutMxTheDomainItselfIsWhereSendersConnect() { // RFC 5321 §5.1: the implicit MX
        dns.withMx(DOMAIN, new MxAnswer.NoRecords()).withAddresses(DOMAIN, ADDRESS);
        var secure = new FakeSecureDns();
        assertThat(lines(check(secure))).containsExactly("skipped: No DANE for example.org: its zone is not signed with DNSSEC");
        assertThat(secure.asked()).containsExactly("TLSA example.org:25");
    }

    @Test
    void anMxElsewhereLeavesNothingToCheck() {
        dns.withMx(DOMAIN, new Mx(10, "mx.elsewhere.example")).withAddresses("mx.elsewhere.example", "198.51.100.7");
        var secure = new FakeSecureDns();
        assertThat(lines(check(secure))).containsExactly("skipped: TLSA records (DANE) of example.org: none of its MX hosts was found to be this server");
        assertThat(secure.asked()).isEmpty();
    }

    @Test
    void domainsThatOnlySendHaveNoTlsaToCheck() {
        assertThat(new TlsaChecks(new FakeSecureDns(), dns, CLOCK).check(World.server(config, dns), new Domain("news.example.com", false))).isEmpty();
    }
}
