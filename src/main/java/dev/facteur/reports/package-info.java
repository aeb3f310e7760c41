/**
 * DMARC aggregate reports that Facteur sends (RFC 7489 §7.2, RFC 9990): the
 * {@link dev.facteur.reports.DmarcReportRecorder} counts each evaluation of the {@code dmarc}
 * check in the shared store ({@link dev.facteur.store.DmarcReportStore}), per Policy Domain and
 * period; the {@link dev.facteur.reports.DmarcReportSender} takes each period once it has ended,
 * builds the report and its email with {@link dev.facteur.auth.dmarc}, verifies the destinations,
 * and queues the email. The store holds rows as text ({@code StoredRow}, {@code StoredPolicy}),
 * so that it need not know DMARC.
 *
 * <p>What DMARC and TLS reports ({@link dev.facteur.reports.tls}) do alike is here once:
 * {@link dev.facteur.reports.PeriodicReports} runs a sender, takes each period that ended from its
 * store and keeps what waits to be tried again; {@link dev.facteur.reports.Dropped} says what a
 * recorder could not count.
 */
package dev.facteur.reports;
