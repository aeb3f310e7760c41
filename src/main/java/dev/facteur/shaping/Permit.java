package dev.facteur.shaping;

/**
 * Leave to send one message (one transaction) to a site, taken from its budgets; tell the
 * shaper how it went ({@link Shaper#delivered}, {@link Shaper#slowDown}), or give it back if it
 * was not used ({@link Shaper#unused}).
 *
 * @param admittedAt     when it was given (ms since the epoch)
 * @param minuteInterval the pace it was taken at (ms between messages; 0 for none)
 * @param hourInterval   the hourly budget's interval (0 for none)
 */
public record Permit(Site site, long admittedAt, double minuteInterval, double hourInterval) implements Admission {}
