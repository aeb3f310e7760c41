/**
 * The message model shared by every stage: addresses (RFC 5321 §4.1.2), the envelope with its
 * ESMTP parameters (RFC 1870, 6152, 6531, 3461), and queue ids. Depends on nothing else in Facteur.
 */
package dev.facteur.message;
