/**
 * The queue manager: decides when each message is tried, applies the outcomes of attempts to
 * the spool, sends DSNs, and carries out operator commands (flush, hold, release, delete,
 * bounce). The scheduling core ({@link dev.facteur.queue.DueQueue}) does no I/O.
 */
package dev.facteur.queue;
