package dev.facteur.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * What an operator relies on in {@code contrib/prometheus/facteur-alerts.yml}, beyond what
 * promtool checks ({@code AlertRulesIT}): the metric names are the ones Facteur exports, every
 * alert says how bad it is and what to look at, and every alert is seen firing in the tests.
 */
class AlertRulesTest {

    static final Path RULES = Path.of("contrib/prometheus/facteur-alerts.yml");
    static final Path TESTS = Path.of("contrib/prometheus/facteur-alerts.test.yml");

    /** The metrics as Facteur exports them (docs/metrics.md): the rules' interface with the server. */
    private static final Set<String> EXPORTED = Set.of("facteur_queue_messages", "facteur_queue_oldest_message_seconds",
            "facteur_deliveries_total", "facteur_smtp_replies_total", "facteur_data_dir_free_bytes",
            "facteur_tls_certificate_expiry_seconds", "facteur_spool_commit_duration_seconds_bucket", "facteur_dns_lookups_total");

    private static final Pattern METRIC = Pattern.compile("\\bfacteur_[a-z0-9_]+");

    static List<JsonNode> rules() {
        List<JsonNode> all = new ArrayList<>();
        for (JsonNode group : new YAMLMapper().readTree(RULES.toFile()).get("groups"))
            group.get("rules").forEach(all::add);
        return all;
    }

    @Test
    void theAlertsOfIssue15AreThere() {
        assertThat(rules().stream().map(r -> r.get("alert").asString()).distinct()).containsExactly("FacteurDown", "QueueBacklog",
                "OldestMessageTooOld", "DeliveryFailureRateHigh", "InboundTempFailuresHigh", "DiskSpaceLow", "CertificateExpiresSoon",
                "CertificateExpired", "SpoolCommitSlow", "DnsFailures");
    }

    @Test
    void theRulesAskOnlyForMetricsFacteurExports() {
        Set<String> used = new TreeSet<>();
        for (JsonNode rule : rules()) {
            Matcher m = METRIC.matcher(rule.get("expr").asString());
            while (m.find()) used.add(m.group());
        }
        assertThat(used).isSubsetOf(EXPORTED).hasSize(EXPORTED.size());
        assertThat(rules().getFirst().get("expr").asString()).contains("up{job=\"facteur\"}");
    }

    @Test
    void everyAlertSaysHowBadItIsAndWhatToLookAt() {
        for (JsonNode rule : rules()) {
            String name = rule.get("alert").asString();
            assertThat(rule.at("/labels/severity").asString()).as(name).isIn("critical", "warning");
            assertThat(rule.at("/annotations/summary").asString()).as(name).isNotBlank();
            assertThat(rule.at("/annotations/description").asString()).as(name).isNotBlank();
        }
    }

    @Test
    void everyAlertIsSeenFiringInTheTests() {
        Set<String> firing = new TreeSet<>();
        for (JsonNode test : new YAMLMapper().readTree(TESTS.toFile()).get("tests")) {
            for (JsonNode check : test.get("alert_rule_test")) {
                if (!check.get("exp_alerts").isEmpty()) firing.add(check.get("alertname").asString());
            }
        }
        assertThat(firing).containsExactlyInAnyOrderElementsOf(rules().stream().map(r -> r.get("alert").asString()).distinct().toList());
    }
}
