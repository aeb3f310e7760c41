/** Byte-level helpers, read deadlines and secrets files shared by the protocol, delivery and signing code. */
package dev.facteur.io;
