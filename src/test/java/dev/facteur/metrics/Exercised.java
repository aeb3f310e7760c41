package dev.facteur.metrics;

import dev.facteur.testing.TestCertificates;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/** A registry in which every typed method has been called once, as a running server would: what a scrape then shows. */
final class Exercised {

    private Exercised() {}

    static Metrics metrics(Path dir, Clock clock) throws Exception {
        Metrics m = Metrics.prometheus(clock);
        SmtpMetrics smtp = m.smtp("smtp");
        smtp.connected();
        smtp.sessionStarted();
        smtp.tlsStarted("TLSv1.3");
        smtp.replied(220);
        smtp.replied(354);
        smtp.replied(250);
        smtp.accepted();
        smtp.refused(550, "5.1.1", "No such user");
        smtp.replied(550);
        smtp.sessionEnded();
        DeliveryMetrics delivery = m.delivery();
        delivery.tlsStarted("TLSv1.2 with cipher TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
        delivery.attempted(DeliveryMetrics.Outcome.DELIVERED, Duration.ofMillis(120).toNanos(), false);
        delivery.attempted(DeliveryMetrics.Outcome.DEFERRED, Duration.ofSeconds(3).toNanos(), true);
        delivery.recipient(DeliveryMetrics.Outcome.DELIVERED, "example.org");
        delivery.recipient(DeliveryMetrics.Outcome.DEFERRED, "example.net");
        delivery.recipient(DeliveryMetrics.Outcome.EXPIRED, "example.net");
        m.dns().lookedUp(15, DnsMetrics.Result.FOUND, Duration.ofMillis(3).toNanos());
        m.dns().lookedUp(1, DnsMetrics.Result.NXDOMAIN, Duration.ofMillis(1).toNanos());
        m.spool().committed(Duration.ofMillis(2).toNanos());
        m.spool().synced(4);
        m.policy().verdict("dnsbl", PolicyMetrics.Decision.REJECT);
        m.policy().verdict("greylist", PolicyMetrics.Decision.DUNNO);
        m.queue(tally -> tally.add(QueueState.DEFERRED, clock.instant().minusSeconds(90)));
        m.dataDirectory(dir);
        var cert = TestCertificates.selfSigned(List.of("mx.facteur.test"), Instant.parse("2026-01-01T00:00:00Z"),
                Instant.parse("2027-01-01T00:00:00Z"));
        m.certificates(List.of(TestCertificates.writeChain(dir.resolve("cert.pem"), cert.certificate())));
        return m;
    }
}
