/**
 * Delivery status notifications (RFC 3464, RFC 3461, RFC 6522): the report Facteur sends back to
 * a sender when mail fails, is delayed, or was relayed to a server that cannot report success.
 */
package dev.facteur.dsn;
