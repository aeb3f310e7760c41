package dev.facteur.testing;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A scrape in Prometheus's text exposition format (version 0.0.4), read into its samples so that
 * tests can ask for a value by metric name and labels. Strict on what it reads: a line it cannot
 * parse fails the test, since Prometheus would refuse it too.
 */
public final class PrometheusText {

    /** One sample line: {@code name{label="value",...} 1.0}. */
    public record Sample(String name, Map<String, String> labels, double value) {}

    private final List<Sample> samples;
    private final Map<String, String> types;

    private PrometheusText(List<Sample> samples, Map<String, String> types) {
        this.samples = List.copyOf(samples);
        this.types = Map.copyOf(types);
    }

    public static PrometheusText parse(String text) {
        List<Sample> samples = new ArrayList<>();
        Map<String, String> types = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            if (line.isBlank()) continue;
            if (line.startsWith("# TYPE ")) {
                String[] w = line.split(" ");
                types.put(w[2], w[3]);
                continue;
            }
            if (line.startsWith("#")) continue;
            samples.add(sample(line));
        }
        return new PrometheusText(samples, types);
    }

    private static Sample sample(String line) {
        int brace = line.indexOf('{');
        int space = line.lastIndexOf(' ');
        if (space < 0) throw new IllegalArgumentException("not a sample line: " + line);
        String name;
        Map<String, String> labels = new LinkedHashMap<>();
        if (brace >= 0 && brace < space) {
            name = line.substring(0, brace);
            int close = line.lastIndexOf('}');
            String body = line.substring(brace + 1, close);
            int i = 0;
            while (i < body.length()) {
                int eq = body.indexOf('=', i);
                String key = body.substring(i, eq);
                if (body.charAt(eq + 1) != '"') throw new IllegalArgumentException("unquoted label value: " + line);
                StringBuilder value = new StringBuilder();
                int j = eq + 2;
                for (; body.charAt(j) != '"'; j++) {
                    char c = body.charAt(j);
                    if (c == '\\') c = switch (body.charAt(++j)) {
                        case 'n' -> '\n';
                        default -> body.charAt(j);
                    };
                    value.append(c);
                }
                labels.put(key, value.toString());
                i = j + 1;
                if (i < body.length() && body.charAt(i) == ',') i++;
            }
        } else {
            name = line.substring(0, line.indexOf(' '));
        }
        if (!name.matches("[a-zA-Z_:][a-zA-Z0-9_:]*")) throw new IllegalArgumentException("not a metric name: " + name);
        String v = line.substring(space + 1);
        double value = switch (v) {
            case "+Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            case "NaN" -> Double.NaN;
            default -> Double.parseDouble(v);
        };
        return new Sample(name, labels, value);
    }

    public List<Sample> samples() {
        return samples;
    }

    /** The names of every sample line ({@code x_bucket}, {@code x_count} and {@code x_sum} of a histogram each). */
    public Set<String> names() {
        Set<String> out = new LinkedHashSet<>();
        for (Sample s : samples) out.add(s.name());
        return out;
    }

    /** The {@code # TYPE} of a metric family ({@code counter}, {@code gauge}, {@code histogram}, ...), or null. */
    public String type(String family) {
        return types.get(family);
    }

    /** The samples named {@code name} that carry these labels ({@code "key", "value", ...}), whatever their other labels. */
    public List<Sample> find(String name, String... labels) {
        if (labels.length % 2 != 0) throw new IllegalArgumentException("labels come in key, value pairs");
        List<Sample> out = new ArrayList<>();
        next:
        for (Sample s : samples) {
            if (!s.name().equals(name)) continue;
            for (int i = 0; i < labels.length; i += 2) if (!labels[i + 1].equals(s.labels().get(labels[i]))) continue next;
            out.add(s);
        }
        return out;
    }

    /** The one sample named {@code name} with these labels; fails when there is none or several. */
    public double value(String name, String... labels) {
        List<Sample> found = find(name, labels);
        if (found.size() != 1)
            throw new AssertionError("expected one sample " + name + " " + List.of(labels) + ", found " + found);
        return found.getFirst().value();
    }

    /** The sum of the samples named {@code name} with these labels (0 when there is none). */
    public double sum(String name, String... labels) {
        double total = 0;
        for (Sample s : find(name, labels)) total += s.value();
        return total;
    }
}
