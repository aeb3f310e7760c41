/**
 * MIME work: making 8-bit messages 7-bit for servers without 8BITMIME, and writing new messages
 * (encoded words, display names, text and html bodies) for the HTTP injection API.
 */
package dev.facteur.mime;
