package dev.facteur.doctor;

import java.util.List;

/** A group of checks about one domain: what it publishes in DNS about this server. */
@FunctionalInterface
interface DomainChecks {
    List<Check> check(Installation server, Domain domain);
}
