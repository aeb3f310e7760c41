package dev.facteur.server;

import dev.facteur.config.Config;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The settings a reload cannot apply, because what they shape is built once and lives across
 * configurations: the spool and the queue with its schedule, the listeners other than SMTP's
 * (admin, sendmail socket, autoconfig, MTA-STS, unsubscribe), the event log, the suppression
 * list, the delivery history, the policy store, the reports' senders, traffic shaping and its
 * source addresses.
 */
final class Restart {

    private Restart() {}

    /** The settings that differ between {@code running} and {@code next} and wait for a restart, as an operator names them. */
    static List<String> needed(Config running, Config next) {
        List<String> out = new ArrayList<>();
        differs(out, "data_dir", running.dataDir(), next.dataDir());
        differs(out, "[spool]", running.spool(), next.spool());
        var was = running.delivery();
        var now = next.delivery();
        differs(out, "[delivery] enabled", was.enabled(), now.enabled());
        differs(out, "[delivery] max_parallel", was.maxParallel(), now.maxParallel());
        differs(out, "[delivery] max_per_destination", was.maxPerDestination(), now.maxPerDestination());
        differs(out, "[delivery] retry_initial", was.retryInitial(), now.retryInitial());
        differs(out, "[delivery] retry_max", was.retryMax(), now.retryMax());
        differs(out, "[delivery] max_lifetime", was.maxLifetime(), now.maxLifetime());
        differs(out, "[delivery] delay_warning", was.delayWarning(), now.delayWarning());
        differs(out, "[[delivery.sources]]", was.sources(), now.sources());
        differs(out, "[shaping]", running.shaping(), next.shaping());
        differs(out, "hostname (in delivery status notifications)", running.hostname(), next.hostname());
        differs(out, "[admin]", running.admin(), next.admin());
        differs(out, "[sendmail]", running.sendmail(), next.sendmail());
        differs(out, "[autoconfig]", running.autoconfig(), next.autoconfig());
        differs(out, "[mta_sts]", running.mtaSts(), next.mtaSts());
        differs(out, "[unsubscribe]", running.unsubscribe(), next.unsubscribe());
        differs(out, "[events]", running.events(), next.events());
        differs(out, "[suppression]", running.suppression(), next.suppression());
        var p = running.policy();
        var q = next.policy();
        if (!p.store().equals(q.store()) || !p.storePrefix().equals(q.storePrefix()) || !p.storeTimeout().equals(q.storeTimeout()))
            out.add("[policy] store");
        differs(out, "[policy.dmarc.reports]", p.authentication().reports(), q.authentication().reports());
        differs(out, "[tls_reports]", running.tlsReports(), next.tlsReports());
        differs(out, "[history]", running.history(), next.history());
        differs(out, "[log]", running.log(), next.log());
        return List.copyOf(out);
    }

    private static void differs(List<String> out, String name, Object was, Object now) {
        if (!Objects.equals(was, now)) out.add(name);
    }
}
