/**
 * TLS reports that Facteur sends (RFC 8460, SMTP TLS Reporting): delivery tells the
 * {@link dev.facteur.reports.tls.TlsReportRecorder} how each session's TLS went under the Policy
 * Domain's policy (MTA-STS, DANE, or none), which counts it in the shared store
 * ({@link dev.facteur.store.TlsReportStore}) per domain and UTC day; the
 * {@link dev.facteur.reports.tls.TlsReportSender} takes each day once it has ended, builds the JSON
 * report ({@link dev.facteur.reports.tls.TlsReport}), finds where it goes in the domain's TLSRPT
 * record ({@link dev.facteur.reports.tls.TlsRptRecord}), and queues it by email
 * ({@link dev.facteur.reports.tls.TlsReportMessage}) or POSTs it
 * ({@link dev.facteur.reports.tls.HttpsReportClient}). The store holds sessions as text
 * ({@code SessionRow}), so that it need not know TLS-RPT.
 */
package dev.facteur.reports.tls;
