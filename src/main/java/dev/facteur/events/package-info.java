/**
 * Outcome events for the applications that send through Facteur: delivered, deferred, bounced,
 * expired, suppressed, complained. {@link dev.facteur.events.Events} is the whole surface:
 * {@code emit(Event)} appends to the event log ({@code events.log}, one JSON object a line,
 * group-committed, rotated by size), and an optional webhook sender posts the log to the
 * application in signed batches, at least once, from a cursor saved beside it, so that a receiver
 * down for hours loses nothing. Neither ever holds up delivery. The JSON fields, the signature and
 * what a crash can lose are in {@code docs/events.md}.
 */
package dev.facteur.events;
