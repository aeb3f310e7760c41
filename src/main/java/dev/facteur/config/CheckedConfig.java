package dev.facteur.config;

import java.util.List;

/**
 * A configuration file as {@code facteur check-config} and a reload judge it: valid, or every
 * problem found. Its syntax and values are read up to the first error (later values depend on
 * earlier ones); the files it names are all checked ({@link NamedFiles}).
 */
public sealed interface CheckedConfig {

    record Valid(Config config) implements CheckedConfig {}

    record Invalid(List<ConfigProblem> problems) implements CheckedConfig {
        public Invalid {
            problems = List.copyOf(problems);
            if (problems.isEmpty()) throw new IllegalArgumentException("an invalid configuration has a problem");
        }
    }
}
