/**
 * One-click unsubscribe (RFC 8058) as received: the public HTTP listener that mail clients POST
 * to when a reader clicks "unsubscribe" ({@link dev.facteur.unsubscribe.UnsubscribeServer}),
 * what it reads from a request body, and the pages a person sees. What a request does is
 * decided elsewhere: the tokens are {@code bounce.UnsubscribeLinks}, the rule is
 * {@code bounce.Suppressions#unsubscribed}, and the links are put on outgoing mail by
 * {@code policy.ListUnsubscribeFields}.
 *
 * <p>A package of its own, beside {@code autoconfig}, because it is an edge facing the Internet
 * (through a reverse proxy), not the private admin interface, which needs a token and listens on
 * loopback only; and not {@code bounce}, whose code takes bytes and returns values.
 */
package dev.facteur.unsubscribe;
