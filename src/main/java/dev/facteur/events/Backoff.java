package dev.facteur.events;

import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * The waits between attempts to post a batch: {@code first} after the first failure, doubling
 * after each further one up to {@code max}, and each drawn at random between its half and itself.
 * The jitter is for the receiver's sake: Facteurs that lost it together (a deploy, an outage)
 * come back spread out rather than in one wave; keeping half of the wait keeps the doubling
 * meaningful.
 */
record Backoff(Duration first, Duration max) {

    /** The wait after {@code failures} failures in a row (1 or more). */
    Duration after(int failures, RandomGenerator random) {
        long ceiling = max.toNanos();
        long wait = first.toNanos();
        for (int i = 1; i < failures && wait < ceiling; i++) wait *= 2; // at most ~40 doublings: no overflow
        wait = Math.min(wait, ceiling);
        long half = wait / 2;
        return Duration.ofNanos(half + random.nextLong(wait - half + 1));
    }
}
