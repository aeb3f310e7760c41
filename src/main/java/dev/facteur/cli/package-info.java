/** The {@code facteur} command line: serve, queue tools, TLS helpers. */
package dev.facteur.cli;
