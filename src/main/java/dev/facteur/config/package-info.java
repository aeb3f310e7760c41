/**
 * The configuration: a TOML file (or the embedded defaults) read into immutable records.
 * Every error names the file, the line and the key.
 */
package dev.facteur.config;
