package dev.facteur.metrics;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Label values for something without bound, such as the domains mail goes to: the {@code size}
 * values seen most often keep their own name, and every other one is {@value #OTHER}. So a
 * metric has at most {@code size + 1} series for the label, whatever the traffic; a Prometheus
 * server charges by the series, and a spammer's list of random domains must not cost it.
 *
 * <p>Counts are kept for at most {@code tracked} values, with the Space-Saving algorithm (Metwally,
 * Agrawal and El Abbadi, 2005): a new value takes the place of the least counted one and starts
 * at its count plus one, so a value that is truly frequent cannot be pushed out by many rare
 * ones. That start is an overestimate, kept as the entry's error: values are ranked by what they
 * were surely seen (count less error), so a stream of one-off values, each starting high, never
 * outranks anything. The named values are chosen again every {@code every} observations; until
 * {@code size} values are named, a new one is named at once. A value that falls out of the top is
 * told to {@code demoted}, whose meters can then go; ties keep the values already named, so two
 * domains of equal volume do not swap places at every round.
 *
 * <p>Not thread-safe: the caller holds a lock (it must, to keep the meters it makes for a label
 * in step with the names).
 */
final class TopLabels {

    /** The label of every value not in the top. */
    static final String OTHER = "other";

    private final int size;
    private final int tracked;
    private final int every;
    private final Consumer<String> demoted;
    /** Per value: its count, and how much of it may be another value's (Space-Saving's error). */
    private final Map<String, long[]> counts = new HashMap<>();
    private Set<String> named = new LinkedHashSet<>();
    private int sinceRanking;

    /**
     * @param size    how many values keep their own name
     * @param tracked how many values are counted (more than {@code size})
     * @param every   how many observations between two rankings
     * @param demoted told of each value that loses its name
     */
    TopLabels(int size, int tracked, int every, Consumer<String> demoted) {
        if (size < 1 || tracked <= size || every < 1) throw new IllegalArgumentException("size " + size + ", tracked " + tracked + ", every " + every);
        this.size = size;
        this.tracked = tracked;
        this.every = every;
        this.demoted = demoted;
    }

    /** Counts one observation of {@code value} and returns its label: itself, or {@value #OTHER}. */
    String label(String value) {
        count(value);
        if (++sinceRanking >= every) {
            sinceRanking = 0;
            rank();
        }
        if (!named.contains(value) && named.size() < size) named.add(value);
        return named.contains(value) ? value : OTHER;
    }

    /** The values that have their own name now. */
    Set<String> named() {
        return Set.copyOf(named);
    }

    private void count(String value) {
        long[] c = counts.get(value);
        if (c != null) {
            c[0]++;
            return;
        }
        long error = 0;
        if (counts.size() >= tracked) {
            String least = null;
            long min = Long.MAX_VALUE;
            for (var e : counts.entrySet()) {
                // a named value is not pushed out: its count is what keeps it named
                if (e.getValue()[0] < min && !named.contains(e.getKey())) {
                    min = e.getValue()[0];
                    least = e.getKey();
                }
            }
            counts.remove(least);
            error = min;
        }
        counts.put(value, new long[] {error + 1, error});
    }

    /** The {@code size} values surely seen most become the named ones; ties go to those named already. */
    private void rank() {
        List<Map.Entry<String, long[]>> all = new ArrayList<>(counts.entrySet());
        all.sort((a, b) -> {
            int bySure = Long.compare(sure(b.getValue()), sure(a.getValue()));
            if (bySure != 0) return bySure;
            return Boolean.compare(named.contains(b.getKey()), named.contains(a.getKey()));
        });
        Set<String> top = new LinkedHashSet<>();
        for (int i = 0; i < Math.min(size, all.size()); i++) top.add(all.get(i).getKey());
        for (String was : named) if (!top.contains(was)) demoted.accept(was);
        named = top;
    }

    private static long sure(long[] countAndError) {
        return countAndError[0] - countAndError[1];
    }
}
