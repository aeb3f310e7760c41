package dev.facteur.shaping;

import java.time.Duration;

/**
 * What one receiving site is allowed: the configured ceiling, which adaptation only ever lowers.
 *
 * @param connections           connections open to the site at once (kept idle ones included), all nodes together
 * @param messagesPerConnection transactions on one connection before it is closed; 0 for no limit
 * @param recipientsPerMessage  recipients in one transaction; more are sent in further transactions
 * @param perMinute             messages a minute, paced evenly; 0 for no limit until the site asks us to slow down
 * @param perHour               messages an hour, which may come in bursts (the minute pace allowing); 0 for no limit
 * @param connectionPause       the least time between two new connections to the site; zero for none
 */
public record SiteLimits(int connections, int messagesPerConnection, int recipientsPerMessage, int perMinute, int perHour,
        Duration connectionPause) {

    /**
     * Postfix's defaults where it has them (20 connections per destination, 50 recipients per
     * message); 100 messages per connection, so that a receiver sees fresh connections now and
     * then; no rate until a receiver asks for one.
     */
    public static final SiteLimits DEFAULTS = new SiteLimits(20, 100, 50, 0, 0, Duration.ZERO);

    public SiteLimits {
        if (connections < 1) throw new IllegalArgumentException("connections must be at least 1");
        if (messagesPerConnection < 0) throw new IllegalArgumentException("messages_per_connection must be 0 (no limit) or more");
        if (recipientsPerMessage < 1) throw new IllegalArgumentException("recipients_per_message must be at least 1");
        if (perMinute < 0 || perHour < 0) throw new IllegalArgumentException("a rate must be 0 (no limit) or more");
        if (connectionPause.isNegative()) throw new IllegalArgumentException("connection_pause must not be negative");
    }

    /** The configured pace in messages a minute, or infinity when none is configured. */
    double minuteRate() {
        return perMinute == 0 ? Double.POSITIVE_INFINITY : perMinute;
    }
}
