/**
 * DKIM (RFC 6376, RFC 8301, RFC 8463): canonicalization, body hashes and signatures. The body is
 * hashed as it streams; a message is never held whole.
 */
package dev.facteur.auth.dkim;
