package dev.facteur.doctor;

import java.util.List;

/** A group of checks about the server itself: its addresses, names, certificate, relay rules. */
@FunctionalInterface
interface ServerChecks {
    List<Check> check(Installation server);
}
