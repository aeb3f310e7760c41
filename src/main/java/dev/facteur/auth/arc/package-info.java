/**
 * ARC, the Authenticated Received Chain (RFC 8617): reading the ARC sets a message carries,
 * validating the chain they form ({@link dev.facteur.auth.arc.ArcVerifier}, §5.2), and adding our
 * own set when we forward ({@link dev.facteur.auth.arc.ArcSealer}, §5.1).
 *
 * <p>The result names are RFC 8617's chain validation statuses, {@code none}, {@code pass} and
 * {@code fail}, as RFC 8601 reports them under the {@code arc} method. A passing
 * {@link dev.facteur.auth.arc.ArcResult} names each sealer and what it found, so that local
 * policy can accept a message a trusted forwarder vouched for when DMARC alone would refuse it
 * (RFC 8617 §7.2, RFC 7489 §7.1).
 *
 * <p>Everything ARC shares with DKIM comes from {@code dev.facteur.auth.dkim}: tag lists, key
 * records and their lookup, canonicalization, body and header hashes, the signing algorithms.
 */
package dev.facteur.auth.arc;
