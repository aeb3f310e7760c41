package dev.facteur.events;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.LongSupplier;
import java.util.random.RandomGenerator;

/**
 * What the log and the webhook sender take from the world: the disk, the time, randomness for the
 * jitter, and the pause before a failed write is tried again. The system's in production; tests
 * pass a disk that fails or counts, a clock they move, and short pauses.
 *
 * @param disk      every write, sync and rename
 * @param clock     the signature's timestamp
 * @param nanos     the ticker the sync interval is measured with ({@code System.nanoTime})
 * @param random    the backoff's jitter
 * @param diskRetry the pause before writing again after the disk failed
 */
record Environment(Disk disk, Clock clock, LongSupplier nanos, RandomGenerator random, Duration diskRetry) {

    // Each draw from the calling thread's generator: one instance held and shared would draw from a
    // seed the other threads never set, the same in every process, and the jitter would be alike everywhere.
    static final Environment SYSTEM = new Environment(Disk.SYSTEM, Clock.systemUTC(), System::nanoTime,
            () -> ThreadLocalRandom.current().nextLong(), Duration.ofSeconds(1));

    Environment withDisk(Disk d) {
        return new Environment(d, clock, nanos, random, diskRetry);
    }
}
