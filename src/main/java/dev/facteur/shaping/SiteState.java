package dev.facteur.shaping;

import java.util.Locale;

/**
 * What a site's replies have taught, as every node sees it: the rate and the connections it
 * takes now, and whether it is suspended. Times are milliseconds since the epoch. The store keeps
 * it as one short string ({@link #encode}).
 *
 * @param perMinute      the learnt rate, or infinity when nothing was learnt (the configured limits apply)
 * @param connections    the learnt connections, or 0 when nothing was learnt
 * @param strikes        slow-down replies since the last delivery
 * @param suspendedUntil no mail to the site before this time; 0 when not suspended
 * @param suspensions    suspensions in a row (each doubles the next); a delivery resets it
 * @param decreasedAt    when the rate last went down (a reply to mail admitted before then does not lower it again)
 * @param changedAt      when the rate last changed
 * @param signalAt       when the last slow-down reply came
 */
public record SiteState(double perMinute, int connections, int strikes, long suspendedUntil, int suspensions, long decreasedAt,
        long changedAt, long signalAt) {

    /** Nothing learnt: the configured limits apply. */
    public static final SiteState FRESH = new SiteState(Double.POSITIVE_INFINITY, 0, 0, 0, 0, 0, 0, 0);

    boolean learnt() {
        return perMinute != Double.POSITIVE_INFINITY || connections != 0;
    }

    boolean suspendedAt(long now) {
        return suspendedUntil > now;
    }

    /** The rate in force: the configured one, or the learnt one if lower. */
    double perMinute(SiteLimits limits) {
        return Math.min(limits.minuteRate(), perMinute);
    }

    /** The connections in force: the configured number, or the learnt one if lower. */
    int connections(SiteLimits limits) {
        return connections == 0 ? limits.connections() : Math.min(limits.connections(), connections);
    }

    String encode() {
        return String.format(Locale.ROOT, "1;%s;%d;%d;%d;%d;%d;%d;%d", perMinute == Double.POSITIVE_INFINITY ? "inf" : Double.toString(perMinute),
                connections, strikes, suspendedUntil, suspensions, decreasedAt, changedAt, signalAt);
    }

    /** The state from {@link #encode}'s form; FRESH for null or anything that does not read back. */
    static SiteState decode(String s) {
        if (s == null) return FRESH;
        String[] f = s.split(";", -1);
        if (f.length != 9 || !f[0].equals("1")) return FRESH;
        try {
            return new SiteState(f[1].equals("inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(f[1]), Integer.parseInt(f[2]),
                    Integer.parseInt(f[3]), Long.parseLong(f[4]), Integer.parseInt(f[5]), Long.parseLong(f[6]), Long.parseLong(f[7]),
                    Long.parseLong(f[8]));
        } catch (NumberFormatException e) {
            return FRESH;
        }
    }
}
