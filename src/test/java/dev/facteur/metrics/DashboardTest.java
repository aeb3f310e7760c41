package dev.facteur.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.testing.ManualClock;
import dev.facteur.testing.PrometheusText;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The sample Grafana dashboard ({@code contrib/grafana/facteur-dashboard.json}) names only metrics
 * that a real registry scrapes: a renamed metric fails here, not on an operator's empty panel.
 */
class DashboardTest {

    private static final Path DASHBOARD = Path.of("contrib/grafana/facteur-dashboard.json");

    @TempDir
    Path dir;

    @Test
    void everyMetricTheDashboardQueriesIsInTheScrape() throws Exception {
        JsonNode dashboard = new JsonMapper().readTree(Files.readString(DASHBOARD));
        List<String> queries = new ArrayList<>();
        collectExpressions(dashboard.get("panels"), queries);
        assertThat(queries).as("queries in the dashboard's panels").hasSizeGreaterThan(20);
        Set<String> used = new LinkedHashSet<>();
        for (String q : queries) used.addAll(metricNames(q));
        for (JsonNode variable : dashboard.get("templating").get("list")) {
            Matcher m = Pattern.compile("label_values\\(\\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\\s*,").matcher(variable.path("definition").asString(""));
            if (m.find()) used.add(m.group(1));
        }

        Set<String> scraped = PrometheusText.parse(Exercised.metrics(dir, ManualClock.at(Instant.parse("2026-06-01T12:00:00Z"))).scrape()).names();

        assertThat(used).as("the metrics the dashboard names").contains("facteur_messages_accepted_total",
                "facteur_deliveries_total", "facteur_queue_messages", "facteur_queue_oldest_message_seconds",
                "facteur_delivery_duration_seconds_bucket", "facteur_dns_lookup_duration_seconds_bucket",
                "facteur_spool_commit_duration_seconds_bucket", "facteur_tls_sessions_total");
        assertThat(scraped).as("what a registry serves at /metrics").containsAll(used);
    }

    @Test
    void metricNamesAreReadFromPromQlLeavingOutFunctionsLabelsAndKeywords() { // the reader above must itself be right
        assertThat(metricNames("histogram_quantile(0.95, sum by (le, type) (rate(facteur_dns_lookup_duration_seconds_bucket"
                + "{instance=~\"$instance\",type!=\"MX\"}[$__rate_interval])))")).containsExactly("facteur_dns_lookup_duration_seconds_bucket");
        assertThat(metricNames("sum(rate(a_total[5m])) / on (job) group_left sum without (le) (b_count offset 1h) > bool 0"))
                .containsExactly("a_total", "b_count");
        assertThat(metricNames("topk(10, x) or vector(0) unless y and z")).containsExactly("x", "y", "z");
    }

    private static void collectExpressions(JsonNode panels, List<String> out) {
        if (panels == null) return;
        for (JsonNode p : panels) {
            for (JsonNode t : p.path("targets")) if (t.has("expr")) out.add(t.get("expr").asString());
            collectExpressions(p.get("panels"), out); // panels inside collapsed rows
        }
    }

    private static final Pattern STRINGS = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'");
    private static final Pattern MATCHERS_AND_RANGES = Pattern.compile("\\{[^}]*}|\\[[^]]*]");
    private static final Pattern GROUPING = Pattern.compile("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)");
    private static final Pattern NAME = Pattern.compile("(?<![\\w.:$])[a-zA-Z_:][a-zA-Z0-9_:]*+(?!\\s*\\()");
    private static final Set<String> KEYWORDS = Set.of("by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or",
            "unless", "offset", "inf", "nan");

    /** The metric names in a PromQL expression: identifiers that are not functions, keywords, labels, strings or durations. */
    static List<String> metricNames(String expr) {
        String e = STRINGS.matcher(expr).replaceAll("\"\"");
        e = MATCHERS_AND_RANGES.matcher(e).replaceAll(" ");
        e = GROUPING.matcher(e).replaceAll(" ");
        List<String> names = new ArrayList<>();
        Matcher m = NAME.matcher(e);
        while (m.find()) {
            String n = m.group();
            if (!KEYWORDS.contains(n.toLowerCase(java.util.Locale.ROOT)) && !names.contains(n)) names.add(n);
        }
        return names;
    }
}
