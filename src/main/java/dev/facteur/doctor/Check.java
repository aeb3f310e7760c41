package dev.facteur.doctor;

import java.util.List;

/**
 * The outcome of one check: a one-line title that says what was found, details that say why it
 * matters or what was asked, and for what is wrong the exact lines to publish or set (a DNS
 * record in zone-file syntax, a configuration line, a command).
 */
public sealed interface Check {

    String title();

    /** Why it matters, or what was asked; empty when the title says it all. */
    String details();

    /** The lines that put it right; empty when nothing is to be done. */
    List<String> fix();

    /** Nothing to do. */
    record Pass(String title, String details) implements Check {
        public Pass {
            title = oneLine(title);
        }

        @Override
        public List<String> fix() {
            return List.of();
        }
    }

    /** Works, but receivers may trust it less, or it will break soon; or the doctor could not tell (DNS did not answer). */
    record Warn(String title, String details, List<String> fix) implements Check {
        public Warn {
            title = oneLine(title);
            fix = List.copyOf(fix);
        }
    }

    /** Receivers refuse, junk or distrust mail because of it; or it lets others abuse the server. */
    record Fail(String title, String details, List<String> fix) implements Check {
        public Fail {
            title = oneLine(title);
            fix = List.copyOf(fix);
        }
    }

    /** Not checked, and why: nothing to check, or a check not written yet. {@code fix} says how to enable it, if anything. */
    record Skipped(String title, String details, List<String> fix) implements Check {
        public Skipped {
            title = oneLine(title);
            fix = List.copyOf(fix);
        }
    }

    /** The word the JSON output and the summary use. */
    default String status() {
        return switch (this) {
            case Pass p -> "pass";
            case Warn w -> "warn";
            case Fail f -> "fail";
            case Skipped s -> "skipped";
        };
    }

    static Pass pass(String title, String details) {
        return new Pass(title, details);
    }

    static Warn warn(String title, String details, String... fix) {
        return new Warn(title, details, List.of(fix));
    }

    static Fail fail(String title, String details, String... fix) {
        return new Fail(title, details, List.of(fix));
    }

    static Skipped skipped(String title, String details, String... fix) {
        return new Skipped(title, details, List.of(fix));
    }

    private static String oneLine(String title) {
        if (title.isBlank() || title.indexOf('\n') >= 0 || title.indexOf('\r') >= 0)
            throw new IllegalArgumentException("a title is one line: " + title);
        return title;
    }
}
