/**
 * End-to-end traffic shaping: one Facteur per test delivering to a large provider on loopback (a
 * {@link dev.facteur.it.shaping.Provider} on two MX hosts serving three domains, with limits shared
 * over all of them), an ordinary smtp-sink for another domain, and a private dnsmasq as the only
 * DNS; then reading what the provider took and refused, over time, and what Facteur's
 * {@code facteur.shaping} log said of the site.
 */
package dev.facteur.it.shaping;
