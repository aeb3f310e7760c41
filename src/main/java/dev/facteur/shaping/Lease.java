package dev.facteur.shaping;

/** One of a site's connections, held until the connection closes ({@link Shaper#release}). */
public record Lease(Site site, String id) implements Opening {}
