package dev.facteur.config;

import dev.facteur.shaping.Adaptive;
import dev.facteur.shaping.AddressPreference;
import dev.facteur.shaping.ShapingRule;
import dev.facteur.shaping.SiteLimits;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Reads {@code [shaping]}: the default limits of every site, how sites adapt, and {@code [[shaping.rules]]}. */
final class ShapingSection {

    private ShapingSection() {}

    static Config.Shaping read(Table t) throws ConfigException {
        boolean enabled = t.bool("enabled", true);
        SiteLimits defaults = limits(t, SiteLimits.DEFAULTS);
        AddressPreference preference = t.convert("address_preference", "any", AddressPreference::parse);
        Table a = t.table("adaptive");
        Adaptive d = Adaptive.DEFAULTS;
        Duration interval = positive(a, "interval", "1m");
        Duration suspend = positive(a, "suspend", "1m");
        Duration suspendMax = positive(a, "suspend_max", "1h");
        if (suspendMax.compareTo(suspend) < 0) a.fail("suspend_max", "must be at least suspend");
        var adaptive = new Adaptive(a.bool("enabled", d.enabled()), a.number("decrease", d.decrease(), 0.05, 0.95),
                a.number("recovery", d.recovery(), 0.01, 1), interval, a.integer("suspend_after", d.suspendAfter(), 1, 1_000_000), suspend,
                suspendMax, positive(a, "forget_after", "1h"), a.number("min_messages_per_minute", d.floorPerMinute(), 0.001, 1_000_000));
        a.finish();
        List<ShapingRule> rules = new ArrayList<>();
        for (Table r : t.tables("rules")) {
            List<String> domains = r.list("domains", List.of(), ConfigLoader::domain);
            List<String> mx = r.list("mx", List.of(), v -> {
                String name = v.startsWith("*.") ? v.substring(2) : v;
                ConfigLoader.domain(name);
                return v;
            });
            if (domains.isEmpty() && mx.isEmpty()) r.fail("domains", "a rule needs domains or mx (mail server names, *.example.net for any below it)");
            String site = r.string("site", null);
            rules.add(new ShapingRule(domains, mx, site, limits(r, defaults),
                    r.convert("address_preference", preference.name().toLowerCase(java.util.Locale.ROOT), AddressPreference::parse)));
            r.finish();
        }
        return new Config.Shaping(enabled, defaults, preference, adaptive, List.copyOf(rules));
    }

    /** The limits a table sets, the others from {@code base}. */
    private static SiteLimits limits(Table t, SiteLimits base) throws ConfigException {
        String dflt = base.connectionPause().isZero() ? "off" : base.connectionPause().toMillis() + "ms";
        Duration pause = t.convert("connection_pause", dflt, v -> v.equals("off") ? Duration.ZERO : Units.parseDuration(v));
        if (pause.compareTo(Duration.ofHours(1)) > 0) t.fail("connection_pause", "must be at most 1h");
        return new SiteLimits(t.integer("connections", base.connections(), 1, 10_000),
                t.integer("messages_per_connection", base.messagesPerConnection(), 0, 1_000_000),
                t.integer("recipients_per_message", base.recipientsPerMessage(), 1, 100_000),
                t.integer("messages_per_minute", base.perMinute(), 0, 100_000_000), t.integer("messages_per_hour", base.perHour(), 0, 1_000_000_000),
                pause);
    }

    private static Duration positive(Table t, String key, String dflt) throws ConfigException {
        Duration d = t.convert(key, dflt, Units::parseDuration);
        if (!d.isPositive()) t.fail(key, "must be positive");
        return d;
    }
}
