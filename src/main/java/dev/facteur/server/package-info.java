/**
 * Assembles a running Facteur from its configuration: spool, SMTP server, and their lifecycle,
 * reloads included (what a reload rebuilds, what lives across it, what waits for a restart).
 */
package dev.facteur.server;
