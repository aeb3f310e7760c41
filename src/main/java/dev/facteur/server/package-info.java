/** Assembles a running Facteur from its configuration: spool, SMTP server, and their lifecycle. */
package dev.facteur.server;
