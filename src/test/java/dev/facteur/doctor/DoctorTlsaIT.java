package dev.facteur.doctor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.dns.Tlsa;
import dev.facteur.testing.ExternalProcess;
import dev.facteur.testing.FacteurCli;
import dev.facteur.testing.Knot;
import dev.facteur.testing.TestCertificates;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The TLSA check as an operator runs it: {@code facteur doctor} with {@code [dns] dnssec =
 * "validate"}, asking a Knot DNS that signs doctor.test with keys made for the run, validation
 * starting from the DS that Knot's keymgr computes. Four local domains, each with its MX host here
 * (192.0.2.10, the public address):
 * <ul>
 * <li>doctor.test: mx.doctor.test publishes our key's {@code 3 1 1} record and the next key's;</li>
 * <li>stale.doctor.test: mx.stale.doctor.test publishes the record of another key only;</li>
 * <li>plain.doctor.test: a child zone that is not signed (no DS, proven by the parent's NSEC);</li>
 * <li>bogus.doctor.test: a child zone delegated with a DS that matches none of its keys.</li>
 * </ul>
 */
class DoctorTlsaIT {

    private static final String PUBLIC = "192.0.2.10";

    @TempDir
    static Path dir;

    private static Knot knot;
    private static X509Certificate ours;
    private static Path config;

    @BeforeAll
    static void world() throws Exception {
        Instant now = Instant.now();
        var served = TestCertificates.selfSigned(List.of("mx.doctor.test", "mx.stale.doctor.test", "mx.plain.doctor.test", "mx.bogus.doctor.test"),
                now.minus(Duration.ofDays(1)), now.plus(Duration.ofDays(90)));
        ours = served.certificate();
        X509Certificate next = TestCertificates.selfSigned(List.of("mx.doctor.test"), now, now.plus(Duration.ofDays(90))).certificate();
        X509Certificate another = TestCertificates.selfSigned(List.of("mx.stale.doctor.test"), now, now.plus(Duration.ofDays(90))).certificate();
        knot = Knot.start(
                Knot.Zone.signed("doctor.test",
                        "@ MX 10 mx",
                        "mx A " + PUBLIC,
                        "_25._tcp.mx TLSA " + daneEe(ours),
                        "_25._tcp.mx TLSA " + daneEe(next),
                        "stale MX 10 mx.stale",
                        "mx.stale A " + PUBLIC,
                        "_25._tcp.mx.stale TLSA " + daneEe(another),
                        "bogus DS 12345 13 2 " + "0123456789abcdef".repeat(4)),
                Knot.Zone.unsigned("plain.doctor.test",
                        "@ MX 10 mx",
                        "mx A " + PUBLIC,
                        "_25._tcp.mx TLSA " + daneEe(ours)),
                Knot.Zone.signed("bogus.doctor.test",
                        "@ MX 10 mx",
                        "mx A " + PUBLIC,
                        "_25._tcp.mx TLSA " + daneEe(ours)));
        config = Files.writeString(dir.resolve("facteur.toml"), """
                hostname = "mx.doctor.test"
                data_dir = '%s'
                [local]
                domains = ["doctor.test", "stale.doctor.test", "plain.doctor.test", "bogus.doctor.test"]
                [doctor]
                public_addresses = ["%s"]
                [tls]
                certificate = '%s'
                private_key = '%s'
                [dns]
                servers = ["%s"]
                dnssec = "validate"
                trust_anchors = '%s'
                """.formatted(dir.resolve("data"), PUBLIC, TestCertificates.writeChain(dir.resolve("cert.pem"), ours),
                TestCertificates.writeKey(dir.resolve("key.pem"), served.keys()), knot.hostPort(), knot.trustAnchors("doctor.test")));
    }

    @AfterAll
    static void stop() {
        if (knot != null) knot.close();
    }

    /** RFC 6698 §2.1: DANE-EE(3), SubjectPublicKeyInfo(1), SHA-256(1), from the definition. */
    private static Tlsa daneEe(X509Certificate certificate) throws Exception {
        return new Tlsa(3, 1, 1, MessageDigest.getInstance("SHA-256").digest(certificate.getPublicKey().getEncoded()));
    }

    /** The domain's checks in the JSON report, each as "status: title | fix lines". */
    private static List<String> checks(JsonNode report, String domain) {
        List<String> out = new ArrayList<>();
        for (JsonNode s : report.path("subjects"))
            if (s.path("name").asString().equals(domain))
                for (JsonNode c : s.path("checks"))
                    out.add(c.path("status").asString() + ": " + c.path("title").asString() + " | "
                            + String.join(" / ", c.path("fix").valueStream().map(JsonNode::asString).toList()));
        return out;
    }

    @Test
    void theTlsaRecordsOfEachMxHostAreCheckedAgainstOurCertificateThroughDnssec() throws Exception {
        ExternalProcess.Result run = FacteurCli.run("doctor", "--config", config.toString(), "--json");
        assertThat(run.exitCode()).as(run.toString()).isEqualTo(1);
        JsonNode report = new JsonMapper().readTree(run.stdout());
        String record = daneEe(ours).toString();

        assertThat(checks(report, "doctor.test")).as(run.stdout())
                .contains("pass: The certificate matches the TLSA record of mx.doctor.test (" + record.substring(0, 22) + "...) | ")
                .noneMatch(c -> c.contains("current key only"));
        assertThat(checks(report, "stale.doctor.test")).as(run.stdout())
                .contains("fail: No TLSA record of _25._tcp.mx.stale.doctor.test matches the certificate"
                        + " | _25._tcp.mx.stale.doctor.test. TLSA " + record);
        assertThat(checks(report, "plain.doctor.test")).as(run.stdout())
                .contains("skipped: No DANE for mx.plain.doctor.test: its zone is not signed with DNSSEC | ");
        assertThat(checks(report, "bogus.doctor.test")).as(run.stdout())
                .contains("fail: The DNSSEC signatures of _25._tcp.mx.bogus.doctor.test do not verify (bogus) | ");
    }

    @Test
    void thePeoplesVersionPrintsTheRecordToPublish() throws Exception {
        ExternalProcess.Result run = FacteurCli.run("doctor", "--config", config.toString(), "--domain", "stale.doctor.test");
        assertThat(run.exitCode()).as(run.toString()).isEqualTo(1);
        assertThat(run.stdout()).as(run.stdout()).contains("  ✗ No TLSA record of _25._tcp.mx.stale.doctor.test matches the certificate\n",
                "senders that use DANE defer mail to mx.stale.doctor.test (RFC 7672 §2.2)\n",
                "      fix: _25._tcp.mx.stale.doctor.test. TLSA " + daneEe(ours) + "\n");
    }
}
