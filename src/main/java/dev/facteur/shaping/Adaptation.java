package dev.facteur.shaping;

import java.time.Duration;
import java.util.Locale;

/**
 * How a site's state follows its replies: additive-increase, multiplicative-decrease, as TCP
 * follows a congested path, in messages a minute rather than bytes.
 *
 * <ul>
 *   <li><b>Slow down.</b> A reply that asks us to slow down ({@link SlowDown}) multiplies the
 *       rate and the connections by {@code decrease} (0.5), never below {@code floorPerMinute} and
 *       one connection. A site with no rate yet starts from the rate it was sent at over the last
 *       minute. At most one decrease per {@code interval}, and none for mail admitted before the
 *       last decrease: the replies to mail sent at the old pace say nothing of the new one.
 *   <li><b>Suspend.</b> {@code suspendAfter} such replies in a row, with no delivery between,
 *       suspend the site for {@code suspendFirst}, doubling with each suspension in a row up to
 *       {@code suspendMax}. Nothing goes to a suspended site; its mail waits without it counting
 *       as an attempt.
 *   <li><b>Recover.</b> Each {@code interval} in which mail was delivered and nothing asked us to
 *       slow down, the rate grows by {@code recovery} (10%) and the connections by one. Once both
 *       are back at the configured limits, or {@code forgetAfter} passed without any slow-down,
 *       the site is fresh again: the configured limits apply.
 * </ul>
 *
 * <p>Against a receiver that takes X messages a minute, the rate climbs past X, is cut to about
 * X/2, and climbs again: it averages about three quarters of X (see AdaptationSimulationTest).
 * Pure: no clock, no store; the {@link Shaper} applies each step to the shared state.
 */
final class Adaptation {

    /** A new state, and what changed, for the log (null when nothing worth a line). */
    record Step(SiteState state, String change) {}

    private final Adaptive settings;

    Adaptation(Adaptive settings) {
        this.settings = settings;
    }

    /**
     * A reply asked us to slow down.
     *
     * @param admittedAt when the mail it answers was admitted
     * @param sentPerMinute the messages sent to the site over the last minute, the start for a site with no rate yet
     */
    Step slowDown(SiteState s, SiteLimits limits, long admittedAt, double sentPerMinute, long now) {
        int strikes = s.strikes() + 1;
        double rate = s.perMinute();
        int connections = s.connections();
        long decreasedAt = s.decreasedAt();
        long changedAt = s.changedAt();
        String change = null;
        boolean fresh = !s.learnt() && s.decreasedAt() == 0;
        if (admittedAt >= s.decreasedAt() && (fresh || now - s.decreasedAt() >= settings.interval().toMillis())) {
            double from = s.perMinute(limits);
            int fromConnections = s.connections(limits);
            double base = from == Double.POSITIVE_INFINITY ? Math.max(sentPerMinute, settings.floorPerMinute()) : from;
            rate = Math.max(settings.floorPerMinute(), base * settings.decrease());
            connections = Math.max(1, (int) Math.floor(fromConnections * settings.decrease()));
            decreasedAt = now;
            changedAt = now;
            change = "rate " + perMinute(from) + " -> " + perMinute(rate) + ", connections " + fromConnections + " -> " + connections;
        }
        long suspendedUntil = s.suspendedUntil();
        int suspensions = s.suspensions();
        if (strikes >= settings.suspendAfter()) {
            Duration d = settings.suspendFirst().multipliedBy(1L << Math.min(suspensions, 20));
            if (d.compareTo(settings.suspendMax()) > 0) d = settings.suspendMax();
            suspendedUntil = now + d.toMillis();
            suspensions++;
            strikes = 0;
            change = (change == null ? "" : change + "; ") + "suspended for " + human(d) + " after " + settings.suspendAfter()
                    + " slow-down replies in a row";
        }
        return new Step(new SiteState(rate, connections, strikes, suspendedUntil, suspensions, decreasedAt, changedAt, now), change);
    }

    /** Mail was delivered to the site (some server took at least one recipient). */
    Step delivered(SiteState s, SiteLimits limits, long now) {
        if (!s.learnt() && s.strikes() == 0 && s.suspensions() == 0) return new Step(s, null);
        if (now - s.signalAt() >= settings.forgetAfter().toMillis())
            return new Step(SiteState.FRESH, "no slow-down for " + human(settings.forgetAfter()) + ": back to the configured limits");
        boolean grows = s.learnt() && now - s.changedAt() >= settings.interval().toMillis()
                && now - s.signalAt() >= settings.interval().toMillis();
        if (!grows) {
            if (s.strikes() == 0 && s.suspensions() == 0) return new Step(s, null);
            return new Step(new SiteState(s.perMinute(), s.connections(), 0, s.suspendedUntil(), 0, s.decreasedAt(), s.changedAt(),
                    s.signalAt()), null);
        }
        double from = s.perMinute(limits);
        int fromConnections = s.connections(limits);
        double rate = from * (1 + settings.recovery());
        int connections = Math.min(limits.connections(), fromConnections + 1);
        if (rate >= limits.minuteRate() && connections >= limits.connections())
            return new Step(SiteState.FRESH, "rate " + perMinute(from) + " -> configured " + perMinute(limits.minuteRate())
                    + ", connections " + fromConnections + " -> " + connections + " (recovered)");
        return new Step(new SiteState(rate, connections, 0, s.suspendedUntil(), 0, s.decreasedAt(), now, s.signalAt()),
                "rate " + perMinute(from) + " -> " + perMinute(rate) + ", connections " + fromConnections + " -> " + connections + " (recovering)");
    }

    static String perMinute(double rate) {
        if (rate == Double.POSITIVE_INFINITY) return "unlimited";
        return String.format(Locale.ROOT, rate < 10 ? "%.1f/min" : "%.0f/min", rate);
    }

    static String human(Duration d) {
        long s = d.toSeconds();
        if (s % 3600 == 0 && s > 0) return s / 3600 + " h";
        if (s % 60 == 0 && s > 0) return s / 60 + " min";
        return s > 0 ? s + " s" : d.toMillis() + " ms";
    }
}
