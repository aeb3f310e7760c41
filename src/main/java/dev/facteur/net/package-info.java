/** Small network values shared by configuration and protocol code: listen addresses and CIDR blocks. */
package dev.facteur.net;
