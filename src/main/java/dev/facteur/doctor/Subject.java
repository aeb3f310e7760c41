package dev.facteur.doctor;

import java.util.List;

/**
 * What a group of checks is about: the server itself, or one domain.
 *
 * @param kind   {@code server} or {@code domain}
 * @param name   the hostname, or the domain
 * @param checks in the order they ran
 */
public record Subject(String kind, String name, List<Check> checks) {

    public static final String SERVER = "server";
    public static final String DOMAIN = "domain";

    public Subject {
        if (!kind.equals(SERVER) && !kind.equals(DOMAIN)) throw new IllegalArgumentException("a subject is a server or a domain: " + kind);
        checks = List.copyOf(checks);
    }
}
