/**
 * End-to-end delivery tests: one Facteur per test delivering to real peers on loopback — Postfix's
 * smtp-sink as the receiving MTAs and a private dnsmasq as the only DNS — then reading what the
 * peers received, what stayed in the queue, and the DSNs that came back (parsed by Python's email
 * package, an independent reader of RFC 3464 and RFC 6522).
 */
package dev.facteur.it.delivery;
