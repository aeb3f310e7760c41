package dev.facteur.shaping;

import java.time.Instant;

/** Not now: the site's budget allows nothing more before {@code until}; {@code reason} is for the log. */
public record Wait(Instant until, String reason) implements Admission, Opening {}
