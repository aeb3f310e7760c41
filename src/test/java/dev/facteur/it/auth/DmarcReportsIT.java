package dev.facteur.it.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.auth.dkim.DkimKeys;
import dev.facteur.server.Facteur;
import dev.facteur.testing.DmarcReportMail;
import dev.facteur.testing.Dnsmasq;
import dev.facteur.testing.LogCapture;
import dev.facteur.testing.Loopback;
import dev.facteur.testing.ManualClock;
import dev.facteur.testing.Patience;
import dev.facteur.testing.SmtpSink;
import dev.facteur.testing.TestConfig;
import dev.facteur.testing.WireClient;
import dev.facteur.testing.WireReply;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A receiving Facteur that checks SPF, DKIM and DMARC and sends aggregate reports every minute
 * (RFC 7489 §7.2): mail comes from two hosts as {@code a.test}, whose {@code _dmarc} record asks
 * for reports at {@code dmarc@reports.test} and {@code dmarc@noauth.test}. Only reports.test
 * published the RFC 7489 §7.1 record that lets reports for a.test come to it
 * ({@code a.test._report._dmarc.reports.test}); so the report arrives at reports.test's MX (an
 * smtp-sink on a loopback host of its own), DKIM-signed by the reporting domain, and noauth.test
 * gets nothing.
 *
 * <p>The receiver's clock flows and is moved a minute on once the mail is in, so that the period
 * ends without a minute's wait.
 */
class DmarcReportsIT {

    private static final int PORT = 2527;
    private static final String SENDER_DOMAIN = "a.test";
    private static final String RECEIVER_DOMAIN = "b.test";

    @TempDir
    static Path dir;

    private static Dnsmasq dns;
    private static SmtpSink reports, noauth;
    private static Facteur receiver;
    private static String goodHost, badHost;
    private static final ManualClock clock = ManualClock.flowing();

    @BeforeAll
    static void start() throws Exception {
        String receiverHost = Loopback.host();
        goodHost = Loopback.host();
        badHost = Loopback.host();
        reports = SmtpSink.start();
        noauth = SmtpSink.start();
        KeyPair key = DkimKeys.generate("ed25519", 0);
        DkimKeys.writePrivateKey(key, dir.resolve("b.test.key"));
        dns = Dnsmasq.start(List.of("local=/test/",
                "txt-record=" + SENDER_DOMAIN + ",\"v=spf1 ip4:" + goodHost + " -all\"",
                "txt-record=_dmarc." + SENDER_DOMAIN + ",\"v=DMARC1; p=quarantine; rua=mailto:dmarc@reports.test,mailto:dmarc@noauth.test\"",
                "txt-record=" + SENDER_DOMAIN + "._report._dmarc.reports.test,\"v=DMARC1\"",
                "txt-record=_dmarc.noauth.test,\"v=DMARC1; p=none\"",
                "txt-record=r2026._domainkey." + RECEIVER_DOMAIN + ",\"" + DkimKeys.record(key) + "\"",
                "mx-host=reports.test,mx.reports.test,10", "host-record=mx.reports.test," + reports.host(),
                "mx-host=noauth.test,mx.noauth.test,10", "host-record=mx.noauth.test," + noauth.host(),
                "host-record=mx." + RECEIVER_DOMAIN + "," + receiverHost));
        receiver = TestConfig.in(dir.resolve("receiver")).hostname("mx." + RECEIVER_DOMAIN).listen(receiverHost + ":" + PORT)
                .dns(dns.hostPort()).delivery(Map.of("retry_initial", "1s", "retry_max", "2s")).delivery("remote_port = " + SmtpSink.PORT)
                .tables("""
                        [relay]
                        networks = ["192.0.2.0/24"]
                        [local]
                        domains = ["%s"]
                        users = ["bob"]
                        [policy]
                        checks = ["spf", "dkim", "dmarc"]
                        [policy.dmarc.reports]
                        send = true
                        interval = "1m"
                        from = "dmarc-reports@%s"
                        org_name = "B Test"
                        [[dkim.keys]]
                        domain = "%s"
                        selector = "r2026"
                        private_key = "%s"
                        """.formatted(RECEIVER_DOMAIN, RECEIVER_DOMAIN, RECEIVER_DOMAIN, dir.resolve("b.test.key"))).start(clock);
    }

    @AfterAll
    static void stop() throws Exception {
        for (AutoCloseable c : new AutoCloseable[] {receiver, reports, noauth, dns}) if (c != null) c.close();
    }

    private static void send(String fromHost, String subject) throws Exception {
        InetSocketAddress server = receiver.smtpAddresses().getFirst();
        try (WireClient c = WireClient.connectFrom(server, fromHost)) {
            c.expect(220, c.read());
            c.expect(250, c.command("EHLO mail." + SENDER_DOMAIN));
            c.expect(250, c.command("MAIL FROM:<alice@" + SENDER_DOMAIN + ">"));
            c.expect(250, c.command("RCPT TO:<bob@" + RECEIVER_DOMAIN + ">"));
            c.expect(354, c.command("DATA"));
            c.send(("From: <alice@" + SENDER_DOMAIN + ">\r\nTo: <bob@" + RECEIVER_DOMAIN + ">\r\nSubject: " + subject
                    + "\r\nMessage-ID: <" + subject + "@" + SENDER_DOMAIN + ">\r\n\r\nHello Bob.\r\n").getBytes(StandardCharsets.US_ASCII));
            WireReply r = c.command(".");
            assertThat(r.code()).as(r.toString()).isEqualTo(250); // p=quarantine: a failure is held, not refused
        }
    }

    @Test
    void the_report_of_the_period_arrives_gzipped_at_the_authorized_rua_only() throws Exception {
        try (var log = LogCapture.attach("facteur.dmarc")) {
            // all in one period: from the start of a minute
            clock.advance(Duration.ofSeconds(61 - clock.instant().getEpochSecond() % 60));
            for (int i = 0; i < 3; i++) send(goodHost, "genuine-" + i);
            send(badHost, "forged");
            clock.advance(Duration.ofMinutes(1).plusSeconds(10)); // the minute is over, and its grace

            String dumped = Patience.await("the report arrives at reports.test").until(reports::messages, l -> !l.isEmpty()).getFirst();

            assertThat(dumped).contains("X-Rcpt-Args: <dmarc@reports.test>").contains("DKIM-Signature:").contains("d=" + RECEIVER_DOMAIN)
                    .contains("Subject: Report Domain: " + SENDER_DOMAIN + " Submitter: " + RECEIVER_DOMAIN);
            DmarcReportMail report = DmarcReportMail.read(dumped);
            assertThat(report.records("row/source_ip", "row/count", "row/policy_evaluated/disposition", "row/policy_evaluated/spf",
                    "identifiers/header_from", "identifiers/envelope_from", "auth_results/spf/result")).containsExactly(
                            List.of(goodHost, "3", "none", "pass", SENDER_DOMAIN, SENDER_DOMAIN, "pass"),
                            List.of(badHost, "1", "quarantine", "fail", SENDER_DOMAIN, SENDER_DOMAIN, "fail"));
            assertThat(report.text("policy_published/domain")).isEqualTo(SENDER_DOMAIN);
            assertThat(report.text("policy_published/p")).isEqualTo("quarantine");
            assertThat(report.text("policy_published/sp")).isEqualTo("quarantine");
            assertThat(report.text("report_metadata/org_name")).isEqualTo("B Test");
            assertThat(report.text("report_metadata/email")).isEqualTo("dmarc-reports@" + RECEIVER_DOMAIN);
            long begin = Long.parseLong(report.text("report_metadata/date_range/begin"));
            assertThat(Long.parseLong(report.text("report_metadata/date_range/end")) - begin).isEqualTo(59);

            // The one run that queued it logged, before queueing it, why noauth.test gets nothing.
            assertThat(log.messages()).anySatisfy(m -> assertThat(m).startsWith("dmarc report for " + SENDER_DOMAIN)
                    .contains("4 messages", "sent to dmarc@reports.test",
                            "not sent to mailto:dmarc@noauth.test (noauth.test did not authorize reports for a.test"));
            assertThat(noauth.messages()).isEmpty();
        }
    }
}
