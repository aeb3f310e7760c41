/** Byte-level helpers shared by the protocol and delivery code. */
package dev.facteur.io;
