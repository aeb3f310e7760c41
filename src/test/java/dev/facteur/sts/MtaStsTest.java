package dev.facteur.sts;

import static dev.facteur.sts.PolicyFetcherTest.parsed;
import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.dns.TxtAnswer;
import dev.facteur.sts.MtaSts.Policy;
import dev.facteur.testing.FakeDnsResolver;
import dev.facteur.testing.LogCapture;
import dev.facteur.testing.ManualClock;
import dev.facteur.testing.PrivateCa;
import dev.facteur.tls.VerifiedTls;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * RFC 8461 §3.3 and §5.1 as a sender lives them, with real fetches from a policy host on
 * loopback, a cache on disk and a clock the test moves: when a policy is fetched, when the cached
 * one is used instead, and when none applies.
 */
class MtaStsTest {

    static final String RECORD = "_mta-sts.example.test";
    static final String ENFORCE = "version: STSv1\r\nmode: enforce\r\nmx: mx.example.test\r\nmax_age: 604800\r\n";
    static final String TESTING = "version: STSv1\r\nmode: testing\r\nmx: mx.example.test\r\nmx: *.backup.example.test\r\nmax_age: 604800\r\n";
    static final String NONE = "version: STSv1\r\nmode: none\r\nmax_age: 86400\r\n";
    static final PolicyHost.Answer BROKEN = new PolicyHost.Answer(500, "text/plain", Map.of(), "oops".getBytes(StandardCharsets.UTF_8), false);

    @TempDir
    Path dir;
    private final FakeDnsResolver dns = new FakeDnsResolver();
    private final ManualClock clock = ManualClock.stopped();
    private PolicyHost host;
    private PolicyFetcher.Settings settings;
    private MtaSts sts;

    @BeforeEach
    void start() throws IOException {
        PrivateCa ca = PrivateCa.create("Facteur test CA");
        host = PolicyHost.start(ca.issue(dir.resolve("tls"), "mta-sts.example.test"));
        dns.withAddresses("mta-sts.example.test", host.ip());
        settings = new PolicyFetcher.Settings(host.port(), Duration.ofSeconds(30), Duration.ofSeconds(30),
                VerifiedTls.context(Optional.of(ca.writeCertificate(dir.resolve("ca.pem")))));
        sts = restart();
    }

    @AfterEach
    void stop() {
        host.close();
    }

    /** A new MtaSts over the same cache directory: what a restart of Facteur makes. */
    private MtaSts restart() throws IOException {
        return new MtaSts(dns, settings, dir.resolve("cache"), clock);
    }

    private void publish(String id, String policy) {
        dns.withTxt(RECORD, "v=STSv1; id=" + id + ";");
        host.serve(policy);
    }

    private int fetches() {
        return host.requests().size();
    }

    @Test
    void theFirstLookupFetchesThePolicy() {
        publish("1", ENFORCE);
        try (var log = LogCapture.attach("facteur.sts")) {
            assertThat(sts.lookup("example.test")).isEqualTo(new Policy.Enforce(parsed(ENFORCE)));
            assertThat(log.infos()).containsExactly(
                    "mta-sts fetched: domain=example.test id=1 mode=enforce mx=mx.example.test max_age=604800 from=mta-sts.example.test["
                            + host.ip() + "]:" + host.port(),
                    "mta-sts policy new: domain=example.test mode=enforce mx=mx.example.test expires=2026-12-05T10:00:00Z");
        }
        assertThat(fetches()).isEqualTo(1);
        assertThat(dns.asked()).startsWith("TXT _mta-sts.example.test", "ADDR mta-sts.example.test");
    }

    @Test
    void theSameIdMeansNoFetch() { // §3.1 id: a sender fetches again when the id changes
        publish("1", ENFORCE);
        sts.lookup("example.test");
        clock.advance(Duration.ofDays(6));
        assertThat(sts.lookup("example.test")).isEqualTo(new Policy.Enforce(parsed(ENFORCE)));
        assertThat(sts.lookup("Example.TEST.")).as("case and a trailing dot do not make another domain").isInstanceOf(Policy.Enforce.class);
        assertThat(fetches()).isEqualTo(1);
    }

    @Test
    void aNewIdMeansAFetch() {
        publish("1", ENFORCE);
        sts.lookup("example.test");
        publish("2", TESTING);
        try (var log = LogCapture.attach("facteur.sts")) {
            assertThat(sts.lookup("example.test")).isEqualTo(new Policy.Testing(parsed(TESTING)));
            assertThat(log.infos()).contains("mta-sts policy changed: domain=example.test mode=enforce->testing"
                    + " mx=mx.example.test->mx.example.test,*.backup.example.test max_age=604800->604800");
        }
        assertThat(fetches()).isEqualTo(2);
    }

    @Test
    void aFailedFetchLeavesTheCachedPolicyInForce() { // §3.3: a valid cached policy MUST be applied
        publish("1", ENFORCE);
        sts.lookup("example.test");
        dns.withTxt(RECORD, "v=STSv1; id=2");
        host.answer(BROKEN);
        try (var log = LogCapture.attach("facteur.sts")) {
            assertThat(sts.lookup("example.test")).isEqualTo(new Policy.Enforce(parsed(ENFORCE)));
            assertThat(log.warnings()).singleElement().asString()
                    .startsWith("mta-sts fetch failed: domain=example.test id=2 result=sts-policy-fetch-error reason=mta-sts.example.test[")
                    .contains("HTTP 500")
                    .endsWith("; the cached policy stays (id=1 mode=enforce until 2026-12-05T10:00:00Z)");
        }
        assertThat(fetches()).isEqualTo(2);
    }

    @Test
    void aFailedFetchIsTriedAgainFiveMinutesLater() { // §3.3: "limit further attempts to a period of five minutes or longer per version ID"
        publish("1", ENFORCE);
        sts.lookup("example.test");
        dns.withTxt(RECORD, "v=STSv1; id=2");
        host.answer(BROKEN);
        sts.lookup("example.test");
        clock.advance(Duration.ofMinutes(5).minusSeconds(1));
        assertThat(sts.lookup("example.test")).isInstanceOf(Policy.Enforce.class);
        assertThat(fetches()).as("not tried again yet").isEqualTo(2);
        dns.withTxt(RECORD, "v=STSv1; id=3");
        host.serve(TESTING);
        assertThat(sts.lookup("example.test")).as("another id: tried at once").isInstanceOf(Policy.Testing.class);
        dns.withTxt(RECORD, "v=STSv1; id=4");
        host.answer(BROKEN);
        sts.lookup("example.test");
        clock.advance(Duration.ofMinutes(5));
        host.serve(ENFORCE);
        assertThat(sts.lookup("example.test")).isInstanceOf(Policy.Enforce.class);
        assertThat(fetches()).isEqualTo(5);
    }

    /**
     * §3.3: "If a valid TXT record is found but no policy can be fetched via HTTPS (for any
     * reason), and there is no valid (non-expired) previously cached policy, senders MUST continue
     * with delivery as though the domain has not implemented MTA-STS." TempFail says that this is
     * what happened; delivery goes on as with None.
     */
    @Test
    void anExpiredPolicyAndAFailedFetchIsATempFail() {
        publish("1", ENFORCE);
        sts.lookup("example.test");
        host.answer(BROKEN);
        clock.advance(Duration.ofDays(7));
        try (var log = LogCapture.attach("facteur.sts")) {
            Policy p = sts.lookup("example.test");
            assertThat(p).isInstanceOf(Policy.TempFail.class);
            assertThat(((Policy.TempFail) p).reason()).startsWith("the policy of example.test (id 1) could not be fetched: sts-policy-fetch-error: ")
                    .contains("HTTP 500");
            assertThat(log.infos()).contains("mta-sts policy expired: domain=example.test id=1 mode=enforce expired=2026-12-05T10:00:00Z");
            assertThat(log.warnings()).singleElement().asString().endsWith("; no policy applies (RFC 8461 §3.3)");
        }
        assertThat(dir.resolve("cache/example.test.policy")).as("forgotten").doesNotExist();
    }

    @Test
    void aRemovedRecordLeavesTheCachedPolicyInForceUntilItExpires() { // §3.3, §8.3
        publish("1", ENFORCE);
        sts.lookup("example.test");
        dns.withTxt(RECORD, new TxtAnswer.NxDomain());
        clock.advance(Duration.ofDays(7).minusSeconds(1));
        assertThat(sts.lookup("example.test")).isEqualTo(new Policy.Enforce(parsed(ENFORCE)));
        clock.advance(Duration.ofSeconds(1));
        assertThat(sts.lookup("example.test")).isEqualTo(new Policy.None("no _mta-sts record"));
        assertThat(fetches()).isEqualTo(1);
    }

    @Test
    void anInvalidRecordCountsAsNone() { // §3.1: "MUST assume the recipient domain does not have an available MTA-STS Policy"
        dns.withTxt(RECORD, "v=STSv1; id=1", "v=STSv1; id=2");
        host.serve(ENFORCE);
        assertThat(sts.lookup("example.test")).isEqualTo(new Policy.None(
                "the _mta-sts record is not valid: 2 records start with v=STSv1 (RFC 8461 §3.1 asks for exactly one)"));
        assertThat(fetches()).isZero();
        publish("1", ENFORCE);
        sts.lookup("example.test");
        dns.withTxt(RECORD, "v=STSv1; id=not valid");
        assertThat(sts.lookup("example.test")).as("but a cached policy stays").isInstanceOf(Policy.Enforce.class);
    }

    @Test
    void modeNoneIsNoPolicyAndHowADomainWithdrawsOne() { // §3.2 mode none; §8.3 Removing MTA-STS
        publish("1", ENFORCE);
        sts.lookup("example.test");
        publish("2", NONE);
        assertThat(sts.lookup("example.test")).isEqualTo(new Policy.None("the policy of example.test (id 2) has mode none"));
        dns.withTxt(RECORD, new TxtAnswer.NxDomain());
        assertThat(sts.lookup("example.test")).as("the none policy is what stays cached").isInstanceOf(Policy.None.class);
    }

    @Test
    void noRecordAndNothingCachedIsNone() {
        assertThat(sts.lookup("example.test")).isEqualTo(new Policy.None("no _mta-sts record"));
        assertThat(sts.lookup("not a domain")).isInstanceOf(Policy.None.class);
        assertThat(fetches()).isZero();
    }

    @Test
    void dnsTroubleUsesTheCacheOrIsATempFail() {
        dns.withTxt(RECORD, new TxtAnswer.TempFail("SERVFAIL"));
        assertThat(sts.lookup("example.test")).isEqualTo(new Policy.TempFail("the _mta-sts record: DNS: SERVFAIL"));
        publish("1", ENFORCE);
        sts.lookup("example.test");
        dns.withTxt(RECORD, new TxtAnswer.TempFail("SERVFAIL"));
        assertThat(sts.lookup("example.test")).isInstanceOf(Policy.Enforce.class);
    }

    @Test
    void aRestartKeepsThePolicies() throws IOException {
        publish("1", ENFORCE);
        sts.lookup("example.test");
        MtaSts after = restart();
        host.answer(BROKEN);
        dns.withTxt(RECORD, new TxtAnswer.NxDomain()); // an attacker hides the record, say
        assertThat(after.lookup("example.test")).isEqualTo(new Policy.Enforce(parsed(ENFORCE)));
        dns.withTxt(RECORD, "v=STSv1; id=1");
        assertThat(after.lookup("example.test")).isInstanceOf(Policy.Enforce.class);
        assertThat(fetches()).isEqualTo(1);
    }

    @Test
    void lookupsOfOneDomainAtOnceMakeOneFetch() throws Exception {
        publish("1", ENFORCE);
        List<Future<Policy>> all = new ArrayList<>();
        try (var threads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < 50; i++) all.add(threads.submit(() -> sts.lookup("example.test")));
        }
        for (Future<Policy> f : all) assertThat(f.get()).isInstanceOf(Policy.Enforce.class);
        assertThat(fetches()).isEqualTo(1);
    }

    @Test
    void refreshingFetchesPoliciesADayOldSoThatTheyDoNotLapse() { // §3.3: "MTAs SHOULD proactively refresh cached policies"
        publish("1", ENFORCE);
        sts.lookup("example.test");
        clock.advance(Duration.ofDays(1).minusSeconds(1));
        assertThat(sts.refreshDue()).as("not due yet").isZero();
        clock.advance(Duration.ofSeconds(1));
        assertThat(sts.refreshDue()).isEqualTo(1);
        assertThat(fetches()).as("fetched again though the id is the same").isEqualTo(2);
        assertThat(sts.refreshDue()).as("and not again").isZero();
        dns.withTxt(RECORD, new TxtAnswer.NxDomain());
        clock.advance(Duration.ofDays(7).minusSeconds(1));
        assertThat(sts.lookup("example.test")).as("valid for max_age from the refresh").isInstanceOf(Policy.Enforce.class);
        assertThat(sts.refreshDue()).as("no record: nothing to refresh").isZero();
        assertThat(fetches()).isEqualTo(2);
        clock.advance(Duration.ofSeconds(1));
        sts.refreshDue();
        assertThat(dir.resolve("cache/example.test.policy")).as("expired: forgotten").doesNotExist();
    }

    @Test
    void aShortMaxAgeIsRefreshedAtItsHalf() {
        publish("1", NONE.replace("86400", "3600"));
        sts.lookup("example.test");
        clock.advance(Duration.ofMinutes(30));
        try (var log = LogCapture.attach("facteur.sts")) {
            host.answer(BROKEN);
            assertThat(sts.refreshDue()).isZero();
            assertThat(log.warnings()).as("§3.3: no alert for a failed refresh of a policy in mode none").isEmpty();
            assertThat(log.infos()).singleElement().asString().startsWith("mta-sts fetch failed: domain=example.test id=1");
        }
        assertThat(fetches()).isEqualTo(2);
    }
}
