/**
 * The durable spool: every message acknowledged with 250 is here, on disk, before the reply.
 * {@link dev.facteur.spool.Spool} is the interface; {@link dev.facteur.spool.LogSpool} keeps
 * messages in append-only segment files whose writes from many sessions share one fsync
 * (group commit). See {@code docs/spool.md} for the format and the measurements behind it.
 */
package dev.facteur.spool;
