package dev.facteur.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code facteur_policy_verdicts_total{check,verdict}}: what each policy check decided, "no
 * opinion" included, so that a check's share of refusals can be read. The checks are those of
 * the configuration: a bounded set.
 */
public final class PolicyMetrics {

    /** A verdict, as the metric names it. */
    public enum Decision {
        ACCEPT, REJECT, DEFER, DROP, HEADER, HOLD, DUNNO;

        private final String label = name().toLowerCase(Locale.ROOT);

        public String label() {
            return label;
        }
    }

    private final MeterRegistry registry;
    private final Map<String, Counter[]> byCheck = new ConcurrentHashMap<>();

    PolicyMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /** Check {@code check} (its configured name) decided {@code decision}. */
    public void verdict(String check, Decision decision) {
        Counter[] c = byCheck.get(check);
        if (c == null) c = byCheck.computeIfAbsent(check, this::counters);
        c[decision.ordinal()].increment();
    }

    private Counter[] counters(String check) {
        Counter[] out = new Counter[Decision.values().length];
        for (Decision d : Decision.values()) {
            out[d.ordinal()] = Counter.builder("facteur.policy.verdicts").tags("check", check, "verdict", d.label())
                    .description("Policy checks' verdicts, by check").register(registry);
        }
        return out;
    }
}
