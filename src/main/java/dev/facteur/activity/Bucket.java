package dev.facteur.activity;

import java.time.Instant;

/** What happened in the five minutes from {@code start}: messages accepted, and recipients by outcome. */
public record Bucket(Instant start, long accepted, long delivered, long deferred, long bounced, long expired) {}
