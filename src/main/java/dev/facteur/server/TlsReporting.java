package dev.facteur.server;

import dev.facteur.config.Config;
import dev.facteur.dns.DnsResolver;
import dev.facteur.queue.QueueManager;
import dev.facteur.reports.tls.HttpsReportClient;
import dev.facteur.reports.tls.StoredTlsReportRecorder;
import dev.facteur.reports.tls.TlsReportRecorder;
import dev.facteur.reports.tls.TlsReportSender;
import dev.facteur.reports.tls.TlsReportSettings;
import dev.facteur.store.Stores;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** TLS reports (RFC 8460), from {@code [tls_reports]}: the recorder delivery tells, and the sender beside the queue. */
final class TlsReporting {

    private static final Logger log = LoggerFactory.getLogger("facteur.tlsrpt");
    /** One POST to a report receiver, from connecting to its answer. */
    private static final Duration POST_TIMEOUT = Duration.ofSeconds(30);

    private TlsReporting() {}

    /** What delivery tells about each session: counted in the store, or nothing when reports are off (or there is no store). */
    static TlsReportRecorder recorder(Config config, Stores stores, Clock clock) {
        if (!config.tlsReports().enabled() || stores == null) return TlsReportRecorder.NONE;
        return new StoredTlsReportRecorder(stores.tlsReports(), clock);
    }

    /** The sender, started; null when reports are off, or when delivery is (there is no queue to send them through). */
    static TlsReportSender start(Config config, DnsResolver dns, Stores stores, QueueManager queue, Clock clock) {
        TlsReportSettings settings = config.tlsReports();
        if (!settings.enabled()) return null;
        if (queue == null) {
            log.warn("tls reports: delivery is disabled, so no report is sent");
            return null;
        }
        if (config.dkim().signers().keysFor(settings.submitter(), null).isEmpty())
            log.warn("tls reports: no [[dkim.keys]] for {}: receivers ignore emailed reports it has not signed (RFC 8460 §5.3)",
                    settings.submitter());
        SSLContext webPki;
        try {
            webPki = SSLContext.getDefault(); // the JDK's authorities: a report receiver is a public web server
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("no TLS in this JDK", e);
        }
        var sender = new TlsReportSender(stores.tlsReports(), dns, queue::submit,
                new HttpsReportClient(dns, webPki, POST_TIMEOUT, HttpsReportClient.PUBLIC), settings, clock);
        sender.start();
        log.info("tls reports: sent daily from {} as {} (store: {})", settings.from(), settings.organization(), stores);
        return sender;
    }
}
