/**
 * The operator interface: a small HTTP/JSON server on loopback that the queue commands talk to,
 * open only to requests bearing a token from a file that Facteur's user alone can read.
 */
package dev.facteur.admin;
