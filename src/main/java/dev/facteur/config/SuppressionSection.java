package dev.facteur.config;

import dev.facteur.bounce.SuppressionSettings;
import dev.facteur.bounce.SuppressionSettings.Scope;
import dev.facteur.store.SuppressionStore;
import java.time.Duration;
import java.util.Optional;

/** Reads {@code [suppression]}: whether the list is used, the scope of its entries and how long each kind lasts. */
final class SuppressionSection {

    private SuppressionSection() {}

    static Config.Suppression read(Table t) throws ConfigException {
        var d = SuppressionSettings.DEFAULT;
        boolean enabled = t.bool("enabled", false);
        Scope scope = t.convert("scope", "sender-domain", v -> switch (v) {
            case "sender-domain" -> Scope.SENDER_DOMAIN;
            case "global" -> Scope.GLOBAL;
            default -> throw new IllegalArgumentException("must be \"sender-domain\" or \"global\"");
        });
        Optional<Duration> hard = t.convert("hard_bounce_expiry", text(d.hardBounceExpiry()), SuppressionSection::expiry);
        Optional<Duration> complaint = t.convert("complaint_expiry", text(d.complaintExpiry()), SuppressionSection::expiry);
        int limit = t.integer("soft_bounce_limit", d.softBounceLimit(), 1, SuppressionStore.MAX_SOFT_BOUNCES);
        Duration window = t.convert("soft_bounce_window", text(Optional.of(d.softBounceWindow())), Units::parseDuration);
        Optional<Duration> soft = t.convert("soft_bounce_expiry", text(d.softBounceExpiry()), SuppressionSection::expiry);
        t.finish();
        return new Config.Suppression(enabled, new SuppressionSettings(scope, hard, complaint, limit, window, soft));
    }

    /** A duration, or "never". */
    private static Optional<Duration> expiry(String v) {
        if (v.equals("never")) return Optional.empty();
        try {
            return Optional.of(Units.parseDuration(v));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("expected a duration such as \"365d\", or \"never\", got \"" + v + "\"");
        }
    }

    /** A default as the parser reads it. */
    private static String text(Optional<Duration> d) {
        return d.map(x -> x.toMillis() + "ms").orElse("never");
    }
}
