/**
 * The delivery history: a compact record of each message's life — its arrival, every delivery
 * attempt per recipient, the DSNs it caused, its removal — kept for a configured number of days
 * after the message has left the queue, so that an operator can answer "where is my mail"
 * ({@code facteur trace}). {@link dev.facteur.history.DeliveryHistory} writes it, one JSON line
 * per {@link dev.facteur.history.HistoryEvent}, to a file per UTC day; {@link
 * dev.facteur.history.HistoryReader} finds a message's events again by queue id, Message-ID or
 * address; {@link dev.facteur.history.Tracer} adds what the spool still holds, and {@link
 * dev.facteur.history.TraceText} prints the result for people. The history is not the mail: it is
 * written off the hot path and not fsynced per event (see {@code DeliveryHistory} for what a crash
 * loses). Format: {@code docs/history.md}.
 */
package dev.facteur.history;
