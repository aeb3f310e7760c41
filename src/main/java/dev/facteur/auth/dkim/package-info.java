/**
 * DKIM (RFC 6376, RFC 8301, RFC 8463): canonicalization, body hashes, signing and verifying. The
 * body is hashed as it streams; a message is never held whole. {@link dev.facteur.auth.dkim.DkimVerifier}
 * checks a message's signatures and gives one {@link dev.facteur.auth.dkim.DkimResult} each.
 *
 * <p>The parts ARC (RFC 8617) shares with DKIM are public: {@link dev.facteur.auth.dkim.TagList}
 * (tag=value lists), {@link dev.facteur.auth.dkim.KeyQuery} and {@link dev.facteur.auth.dkim.KeyRecord}
 * (keys in DNS and whether one fits), {@link dev.facteur.auth.dkim.HeaderHash} (what b= signs),
 * {@link dev.facteur.auth.dkim.DkimAlgorithm} (signing and checking it), {@link dev.facteur.auth.dkim.BodyHash}
 * and {@link dev.facteur.auth.dkim.Canonicalization}.
 */
package dev.facteur.auth.dkim;
