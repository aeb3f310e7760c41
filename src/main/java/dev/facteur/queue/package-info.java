/**
 * The queue manager: decides when each message is tried and which destination gets the next
 * delivery slot, records the outcomes of attempts in the spool with the DSNs they cause, and
 * carries out operator commands (flush, hold, release, delete, bounce). The scheduling core
 * ({@link dev.facteur.queue.DueQueue} for time, {@link dev.facteur.queue.Scheduler} for
 * destinations) and the outcome rules ({@link dev.facteur.queue.Round}) do no I/O.
 */
package dev.facteur.queue;
