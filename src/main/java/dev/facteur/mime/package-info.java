/** MIME work on stored messages: making 8-bit messages 7-bit for servers without 8BITMIME. */
package dev.facteur.mime;
