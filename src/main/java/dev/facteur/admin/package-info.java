/** The operator interface: a small HTTP/JSON server on loopback that the queue commands talk to. */
package dev.facteur.admin;
