package dev.facteur.config;

/** A configuration error, with the file and line in its message. */
public final class ConfigException extends Exception {

    private final ConfigProblem problem;

    public ConfigException(ConfigProblem problem) {
        super(problem.toString());
        this.problem = problem;
    }

    /** The error as parts, for a command that lists several ({@code facteur check-config}). */
    public ConfigProblem problem() {
        return problem;
    }
}
