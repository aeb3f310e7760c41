package dev.facteur.doctor;

import java.util.List;

/** Everything {@code facteur doctor} found, subject by subject. */
public record Report(List<Subject> subjects) {

    public Report {
        subjects = List.copyOf(subjects);
    }

    /** How many checks ended with this status ({@link Check#status()}). */
    public long count(String status) {
        return subjects.stream().flatMap(s -> s.checks().stream()).filter(c -> c.status().equals(status)).count();
    }

    /** 0 when no check failed, 1 otherwise: a warning alone leaves a monitoring script content. */
    public int exitCode() {
        return count("fail") == 0 ? 0 : 1;
    }

    /** "12 passed, 1 warning, 2 failed, 3 skipped". */
    public String summary() {
        long w = count("warn");
        return count("pass") + " passed, " + w + (w == 1 ? " warning, " : " warnings, ") + count("fail") + " failed, "
                + count("skipped") + " skipped";
    }
}
