/**
 * What Facteur counts and measures, for Prometheus: {@link dev.facteur.metrics.Metrics} owns the
 * registry and hands each part of the server a small object of typed methods
 * ({@link dev.facteur.metrics.SmtpMetrics}, {@link dev.facteur.metrics.DeliveryMetrics},
 * {@link dev.facteur.metrics.DnsMetrics}, {@link dev.facteur.metrics.SpoolMetrics},
 * {@link dev.facteur.metrics.PolicyMetrics}), so that no protocol code names a meter or a label.
 * Every meter is made once, up front or the first time its label value comes; a call on a hot
 * path is an array index and an atomic add. {@link dev.facteur.metrics.Metrics#NONE} counts
 * nothing, for tests and when metrics are off. The names and labels are an interface (alert rules
 * and dashboards use them): {@code docs/metrics.md} lists them.
 */
package dev.facteur.metrics;
