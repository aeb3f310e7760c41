package dev.facteur.shaping;

import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.List;

/**
 * How a new address warms up: receivers trust an address by its history, and one that starts by
 * sending thousands of messages an hour looks like a spammer's. Its hourly budget on the first
 * day of warm-up is {@code perHour[0]}, on the second {@code perHour[1]}, and so on; after the
 * last day, no budget.
 */
public record WarmUp(List<Integer> perHour) {

    /** Roughly doubling over two weeks, from 50 an hour to 50,000 (about what large receivers advise). */
    public static final WarmUp DEFAULTS = new WarmUp(List.of(50, 100, 200, 300, 500, 700, 1000, 1500, 2000, 3000, 5000, 8000, 12000,
            20000, 30000, 50000));

    public WarmUp {
        perHour = List.copyOf(perHour);
        if (perHour.stream().anyMatch(n -> n < 1)) throw new IllegalArgumentException("a warm-up budget must be at least 1 an hour");
    }

    /** The hourly budget of an address warming since {@code from}, on {@code today}; 0 when it is warm (no budget). */
    int budget(LocalDate from, LocalDate today) {
        long day = ChronoUnit.DAYS.between(from, today);
        if (day < 0) return perHour.getFirst();
        return day < perHour.size() ? perHour.get((int) day) : 0;
    }
}
