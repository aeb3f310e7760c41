package dev.facteur.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.testing.ExternalProcess;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code contrib/prometheus/facteur-alerts.yml} as Prometheus reads it ({@code promtool check
 * rules}) and against its unit tests ({@code facteur-alerts.test.yml}: series that fire each
 * alert beside series that must not). promtool comes with Debian's package prometheus.
 */
class AlertRulesIT {

    private static final String PROMTOOL = "/usr/bin/promtool";

    @Test
    void prometheusAcceptsTheRules() throws Exception {
        assertThat(Path.of(PROMTOOL)).as("promtool, of Debian's package prometheus (bin/test installs it)").isExecutable();
        var r = ExternalProcess.run(List.of(PROMTOOL, "check", "rules", "contrib/prometheus/facteur-alerts.yml"));

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.stdout()).as(r.toString()).contains("SUCCESS: " + AlertRulesTest.rules().size() + " rules found");
    }

    @Test
    void eachAlertFiresOnItsSeriesAndNotOnTheOthers() throws Exception {
        assertThat(Path.of(PROMTOOL)).as("promtool, of Debian's package prometheus (bin/test installs it)").isExecutable();
        var r = ExternalProcess.run(List.of(PROMTOOL, "test", "rules", "contrib/prometheus/facteur-alerts.test.yml"));

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.stdout()).as(r.toString()).contains("SUCCESS");
    }
}
