package dev.facteur.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.dane.DaneLookup;
import dev.facteur.dane.DaneOutcome;
import dev.facteur.delivery.TlsPolicies;
import dev.facteur.delivery.TlsPolicies.Decision;
import dev.facteur.dns.Tlsa;
import dev.facteur.reports.tls.FailureType;
import dev.facteur.reports.tls.PolicyRef;
import dev.facteur.reports.tls.TlsReportRecorder;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** How delivery's sessions are counted for TLS reports (RFC 8460 §4.4): under which policy, and as what failure. */
class SecureTransportTest {

    private static final Tlsa DANE_EE = Tlsa.parse("3 1 1 " + "ab".repeat(32));

    private final List<String> counted = new CopyOnWriteArrayList<>();

    private final TlsReportRecorder recorder = new TlsReportRecorder() {
        @Override
        public void success(String policyDomain, PolicyRef policy, String mxHost) {
            counted.add(policyDomain + " " + describe(policy) + " success");
        }

        @Override
        public void failure(String policyDomain, PolicyRef policy, String mxHost, FailureType type, String sendingIp, String receivingIp,
                String detail) {
            counted.add(policyDomain + " " + describe(policy) + " " + type.token());
        }
    };

    private static String describe(PolicyRef p) {
        return p.type().token() + " " + p.strings() + " " + p.mxHosts();
    }

    @Test
    void aDaneSessionCountsUnderTheTlsaRecordsOfItsMxHost() {
        var signed = new DaneLookup.Destination.Signed(Map.of("mx1.example.test", new DaneOutcome.Required(List.of(DANE_EE)),
                "mx2.example.test", new DaneOutcome.MandatoryTls("PKIX-EE is not for SMTP")), Map.of());
        TlsPolicies.Sessions sessions = SecureTransport.reported(recorder);
        Decision dane = new Decision.Dane(signed, false, Decision.NONE);

        sessions.succeeded("example.test", dane, "mx1.example.test");
        sessions.failed("example.test", dane, "mx2.example.test", "starttls-not-supported", "127.0.0.2", "no STARTTLS");
        sessions.failed("example.test", new Decision.Undecided("bogus", "dnssec-invalid"), null, "dnssec-invalid", null, "bogus");

        assertThat(counted).containsExactly(
                "example.test tlsa [" + DANE_EE + "] [mx1.example.test] success",
                "example.test tlsa [] [mx2.example.test] starttls-not-supported",
                "example.test tlsa [] [] dnssec-invalid");
    }

    @Test
    void anMtaStsSessionCountsUnderThePolicyAndItsMxPatterns() {
        var enforce = new Decision.Enforce(h -> true, null, "MTA-STS policy of example.test",
                List.of("version: STSv1", "mode: enforce", "mx: *.example.test", "max_age: 86400"));

        SecureTransport.reported(recorder).failed("example.test", enforce, "mx1.example.test", "certificate-host-mismatch", null, "x");

        assertThat(counted).containsExactly("example.test sts [version: STSv1, mode: enforce, mx: *.example.test, max_age: 86400] "
                + "[*.example.test] certificate-host-mismatch");
    }

    @Test
    void anMtaStsPolicyThatCannotBeFetchedIsNoPolicyAndCountsAsAFetchError(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        var dns = new dev.facteur.testing.FakeDnsResolver().withTxt("_mta-sts.example.test", "v=STSv1; id=1;"); // and no policy host
        var sts = new dev.facteur.sts.MtaSts(dns, dev.facteur.sts.PolicyFetcher.Settings.of(8443, java.util.Optional.empty()),
                dir.resolve("cache"), dev.facteur.testing.ManualClock.stopped());

        Decision d = SecureTransport.mtaSts(sts, null, recorder).of("example.test");

        assertThat(d).isEqualTo(Decision.NONE);
        assertThat(counted).containsExactly("example.test sts [] [] sts-policy-fetch-error");
    }
}
