package dev.facteur.config;

import dev.facteur.reports.tls.TlsReportSettings;
import java.time.Duration;

/**
 * Reads {@code [tls_reports]}: the TLS reports (RFC 8460) Facteur sends to the domains it
 * delivers to (docs/tls-reports.md). Off by default, as DMARC reports are: sending them is
 * mail to third parties chosen by DNS, from an address whose domain must have DKIM keys for the
 * receivers to read them; the operator decides.
 */
final class TlsReportsSection {

    private TlsReportsSection() {}

    static TlsReportSettings read(Table t, String hostname) throws ConfigException {
        TlsReportSettings off = TlsReportSettings.off(hostname);
        boolean enabled = t.bool("enabled", false);
        String organization = t.string("organization", off.organization());
        String contact = t.string("contact", off.contact());
        String from = t.string("from", off.from());
        Duration grace = t.convert("grace", "5m", Units::parseDuration);
        TlsReportSettings settings;
        try {
            settings = new TlsReportSettings(enabled, organization, contact, from, grace);
        } catch (IllegalArgumentException e) {
            String m = e.getMessage();
            throw t.error(m.startsWith("organization") ? "organization" : m.startsWith("contact") ? "contact"
                    : m.startsWith("grace") ? "grace" : "from", m);
        }
        t.finish();
        return settings;
    }
}
