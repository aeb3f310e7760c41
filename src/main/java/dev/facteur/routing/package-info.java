/**
 * Where mail for a domain goes (RFC 5321 §5): MX records in preference order, the implicit MX,
 * null MX (RFC 7505), address literals, and refusing routes that loop back to us.
 */
package dev.facteur.routing;
