/**
 * The durable spool: every message acknowledged with 250 is here, on disk, before the reply.
 * {@link dev.facteur.spool.Spool} is the interface; {@link dev.facteur.spool.LogSpool} keeps
 * messages in append-only segment files whose writes from many sessions share one fsync
 * (group commit). A full disk surfaces as {@link dev.facteur.spool.SpoolFullException}; damaged
 * segments are read past and kept in {@code quarantine/}. See {@code docs/spool.md} for the
 * format, recovery, the order of the fsyncs and the measurements behind it.
 */
package dev.facteur.spool;
