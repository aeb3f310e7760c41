package dev.facteur.activity;

import java.time.Duration;
import java.util.List;

/**
 * The activity over the last hours: every bucket of the window oldest first, empty ones
 * included, so that a chart's time axis has no gaps; and the destinations that failed most in it.
 */
public record Report(Duration bucket, List<Bucket> buckets, List<FailingDestination> failing) {

    public Report {
        buckets = List.copyOf(buckets);
        failing = List.copyOf(failing);
    }
}
