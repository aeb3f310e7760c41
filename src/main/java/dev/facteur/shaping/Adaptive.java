package dev.facteur.shaping;

import java.time.Duration;

/**
 * How sites adapt to replies that say "slow down" (see {@link Adaptation}).
 *
 * @param enabled          whether replies change the limits at all
 * @param decrease         the factor a slow-down applies to the rate and the connections (0.5: halved)
 * @param recovery         the share the rate grows by, each {@code interval} with deliveries and no slow-down (0.1: +10%)
 * @param interval         the recovery step, and the least time between two decreases
 * @param suspendAfter     slow-down replies in a row, with no delivery between, that suspend the site
 * @param suspendFirst     the first suspension; each further one in a row doubles it
 * @param suspendMax       the longest suspension
 * @param forgetAfter      a site with no slow-down for this long goes back to its configured limits
 * @param floorPerMinute   the rate never goes below this, in messages a minute
 */
public record Adaptive(boolean enabled, double decrease, double recovery, Duration interval, int suspendAfter, Duration suspendFirst,
        Duration suspendMax, Duration forgetAfter, double floorPerMinute) {

    public static final Adaptive DEFAULTS = new Adaptive(true, 0.5, 0.1, Duration.ofMinutes(1), 10, Duration.ofMinutes(1),
            Duration.ofHours(1), Duration.ofHours(1), 1);

    public Adaptive {
        if (!(decrease > 0 && decrease < 1)) throw new IllegalArgumentException("decrease must be between 0 and 1");
        if (!(recovery > 0 && recovery <= 1)) throw new IllegalArgumentException("recovery must be above 0 and at most 1");
        if (interval.toMillis() < 1) throw new IllegalArgumentException("interval must be positive");
        if (suspendAfter < 1) throw new IllegalArgumentException("suspend_after must be at least 1");
        if (suspendFirst.toMillis() < 1 || suspendMax.compareTo(suspendFirst) < 0)
            throw new IllegalArgumentException("suspensions must be positive, the longest at least the first");
        if (forgetAfter.toMillis() < 1) throw new IllegalArgumentException("forget_after must be positive");
        if (!(floorPerMinute > 0)) throw new IllegalArgumentException("the floor rate must be positive");
    }
}
