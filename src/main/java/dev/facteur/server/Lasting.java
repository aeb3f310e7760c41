package dev.facteur.server;

import dev.facteur.bounce.Suppressions;
import dev.facteur.delivery.TlsPolicies;
import dev.facteur.events.EventSink;
import dev.facteur.history.HistorySink;
import dev.facteur.metrics.Metrics;
import dev.facteur.reports.tls.TlsReportRecorder;
import dev.facteur.shaping.Shaper;
import dev.facteur.shaping.SourceAddresses;
import java.time.Clock;

/**
 * What the server builds once, at start, and every configuration after it shares: state that
 * outlives a reload (what the SMTP servers and delivery agents of each {@link Generation} feed
 * and ask). Their settings wait for a restart ({@link Restart}).
 *
 * @param metrics      what the server counts, served at /metrics (Metrics.NONE when off)
 * @param delivering   whether the queue runs (delivery enabled at start): then each generation has an agent
 * @param events       where outcomes and refusals go (the event log through the sender rates), or NONE
 * @param suppressions the suppression list when {@code [suppression]} is on: checked at RCPT, fed
 *                     by bounces; null otherwise
 * @param tlsSessions  how TLS went, for the TLS reports
 * @param published    the MTA-STS policies receivers publish, as fetched and cached; null when not looked up
 * @param shaper       traffic shaping, whose leases the agents of successive generations share; null when off
 * @param sources      the local addresses mail leaves from, with their warm-up budgets
 * @param history      the delivery history ({@code facteur trace}), or NONE
 */
record Lasting(Clock clock, Metrics metrics, boolean delivering, EventSink events, Suppressions suppressions, TlsReportRecorder tlsSessions,
        TlsPolicies.Published published, Shaper shaper, SourceAddresses sources, HistorySink history) {}
