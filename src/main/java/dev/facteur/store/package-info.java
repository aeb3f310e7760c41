/**
 * State that the defences keep and that several Facteur nodes can share: greylisting records,
 * rate counters, DNS answers, the rows of DMARC and TLS aggregate reports still to send (both
 * {@link dev.facteur.store.ReportStore}s), and the suppression list of addresses not to mail,
 * behind small interfaces with an embedded implementation (the default, nothing to install) and a
 * Redis one (for a cluster). The interfaces speak of the defences' needs, never of the engine.
 * {@link dev.facteur.store.Stores} opens either and hands out the stores; the rest of the package
 * is its implementations.
 */
package dev.facteur.store;
