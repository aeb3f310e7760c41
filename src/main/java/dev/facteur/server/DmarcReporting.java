package dev.facteur.server;

import dev.facteur.auth.dmarc.DnsTreeWalk;
import dev.facteur.auth.dmarc.OrgDomainMethod;
import dev.facteur.auth.dmarc.OrganizationalDomains;
import dev.facteur.auth.dmarc.ReportDestinations;
import dev.facteur.config.Config;
import dev.facteur.dns.DnsResolver;
import dev.facteur.policy.check.DmarcCheck;
import dev.facteur.queue.QueueManager;
import dev.facteur.reports.DmarcReportRecorder;
import dev.facteur.reports.DmarcReportSender;
import dev.facteur.reports.DmarcReportSettings;
import dev.facteur.store.Stores;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** DMARC aggregate reports, from {@code [policy.dmarc.reports]}: the recorder the DMARC check tells, and the sender beside the queue. */
final class DmarcReporting {

    private static final Logger log = LoggerFactory.getLogger("facteur.dmarc");

    private DmarcReporting() {}

    /** Whether reports are recorded and sent: then the store is needed. */
    static boolean enabled(Config config) {
        return config.policy().checks().contains("dmarc") && config.policy().authentication().reports().send();
    }

    /** What the DMARC check does with each evaluation: counted in the store, or nothing when reports are off. */
    static Consumer<DmarcCheck.Evaluated> recorder(Config config, Stores stores, Clock clock) {
        if (!enabled(config) || stores == null) return evaluated -> {};
        var a = config.policy().authentication();
        return new DmarcReportRecorder(stores.dmarcReports(), a.reports(), a.dmarc().onReject(), clock);
    }

    /** The sender, started; null when reports are off, or when delivery is (there is no queue to send them through). */
    static DmarcReportSender start(Config config, DnsResolver dns, Stores stores, QueueManager queue, Clock clock) {
        if (!enabled(config)) return null;
        if (queue == null) {
            log.warn("dmarc reports: delivery is disabled, so no report is sent");
            return null;
        }
        var dmarc = config.policy().authentication().dmarc().dmarc();
        DmarcReportSettings settings = config.policy().authentication().reports();
        OrganizationalDomains orgDomains;
        try {
            orgDomains = dmarc.orgDomain() == OrgDomainMethod.PSL ? dmarc.publicSuffixList() : new DnsTreeWalk(dns);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the public suffix list: " + e.getMessage(), e);
        }
        var sender = new DmarcReportSender(stores.dmarcReports(), new ReportDestinations(dns, orgDomains, dmarc.maxReportUris()),
                queue::submit, settings, clock);
        sender.start();
        log.info("dmarc reports: sent every {} from {} as {} (store: {})", settings.interval(), settings.from(), settings.orgName(), stores);
        return sender;
    }
}
