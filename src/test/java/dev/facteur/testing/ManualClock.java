package dev.facteur.testing;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * The time code under test goes by, moved by the test: a wall clock ({@link Clock}) and a ticker
 * ({@link #nanos()}, for {@code System.nanoTime()}) that move together. A stopped clock
 * ({@link #at}) moves only when told, so a test states what holds at t = 3.5 s without waiting
 * for it. A flowing one ({@link #flowing}) is real time plus what the test added: for a whole
 * Facteur, whose queue ids and timeouts need time to pass on their own.
 */
public final class ManualClock extends Clock {

    private final boolean flowing;
    private volatile Instant base;
    private volatile long nanos;

    private ManualClock(Instant base, boolean flowing) {
        this.base = base;
        this.flowing = flowing;
    }

    /** A clock standing still at {@code start} until the test moves it. */
    public static ManualClock at(Instant start) {
        return new ManualClock(start, false);
    }

    /** A clock standing still at 2026-11-28T10:00:00Z. */
    public static ManualClock stopped() {
        return at(Instant.parse("2026-11-28T10:00:00Z"));
    }

    /** Real time, moved forward (or back) by what the test adds. */
    public static ManualClock flowing() {
        return new ManualClock(Instant.EPOCH, true);
    }

    /** Moves the clock and the ticker by {@code d} (negative: back). */
    public synchronized void advance(Duration d) {
        base = base.plus(d);
        nanos += d.toNanos();
    }

    /** Sets the clock to {@code t} (a stopped clock only). */
    public synchronized void set(Instant t) {
        if (flowing) throw new IllegalStateException("a flowing clock is moved, not set");
        advance(Duration.between(base, t));
    }

    @Override
    public Instant instant() {
        return flowing ? Instant.now().plus(Duration.between(Instant.EPOCH, base)) : base;
    }

    /** The ticker: nanoseconds, meaningful only as differences. */
    public long nanos() {
        return flowing ? System.nanoTime() + nanos : nanos;
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        return this;
    }
}
