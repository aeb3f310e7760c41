/** TLS material: server contexts from PEM files, and self-signed certificates for testing. */
package dev.facteur.tls;
