/**
 * Mail clients configure themselves: the DNS SRV records of RFC 6186 and RFC 8314 §5.1, and the
 * {@code config-v1.1.xml} file Thunderbird (and others) fetch, served on an optional HTTP
 * listener and printed by {@code facteur autoconfig DOMAIN}.
 */
package dev.facteur.autoconfig;
