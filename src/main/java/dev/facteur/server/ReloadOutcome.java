package dev.facteur.server;

import java.util.List;

/** What came of reading the configuration again (SIGHUP, {@code facteur reload}). */
public sealed interface ReloadOutcome {

    /** What to tell the operator: the log line, and {@code facteur reload}'s answer. */
    String message();

    /**
     * In force for the sessions and delivery attempts that start from now on.
     *
     * @param restartNeeded the settings that changed but take effect only at the next start
     */
    record Applied(String source, List<String> restartNeeded) implements ReloadOutcome {
        public Applied {
            restartNeeded = List.copyOf(restartNeeded);
        }

        @Override
        public String message() {
            return "configuration " + source + " reloaded" + (restartNeeded.isEmpty() ? ""
                    : ": " + String.join(", ", restartNeeded) + " changed: restart needed; the rest applied");
        }
    }

    /** Not applied: the running configuration stays. {@code problems}: {@code file:line: key: message} each. */
    record Refused(String source, List<String> problems) implements ReloadOutcome {
        public Refused {
            problems = List.copyOf(problems);
        }

        @Override
        public String message() {
            return "configuration " + source + " refused, the running one stays: " + String.join("; ", problems);
        }
    }
}
