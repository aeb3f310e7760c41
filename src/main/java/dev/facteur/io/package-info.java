/** Byte-level helpers and read deadlines shared by the protocol and delivery code. */
package dev.facteur.io;
