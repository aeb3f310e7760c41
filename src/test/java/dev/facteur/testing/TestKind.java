package dev.facteur.testing;

import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The line between unit and integration tests. Unit tests ({@code *Test}) run in this JVM alone:
 * sockets on loopback are fine, another process or a whole Facteur is not. Integration tests
 * ({@code *IT}) drive real peers (smtp-sink, dnsmasq, Dovecot, swaks, Python, another JVM) or a
 * whole Facteur. Maven runs them in two executions of the {@code test} phase, unit tests first,
 * and tells each JVM which one it is ({@value #PROPERTY}).
 *
 * <p>Every way the test code starts a process or a Facteur goes through {@link #integrationOnly},
 * which fails a unit test at once ({@code TestBoundaryTest} checks that there is no other way).
 * As a JUnit extension (registered for every test) it also leaves each test to its own execution
 * when {@code -Dtest=...} names one of the other kind.
 */
public final class TestKind implements ExecutionCondition {

    static final String PROPERTY = "facteur.test.kind";

    /** Fails when called from the unit tests: {@code what} (a process, a Facteur) belongs in an integration test. */
    public static void integrationOnly(String what) {
        if ("unit".equals(System.getProperty(PROPERTY)))
            throw new AssertionError("a unit test starts " + what + ": that makes it an integration test; name its class *IT");
    }

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        String kind = System.getProperty(PROPERTY);
        if (kind == null || context.getTestClass().isEmpty()) return ConditionEvaluationResult.enabled("");
        boolean integration = isIntegration(context.getTestClass().get());
        if (kind.equals("unit") && integration)
            return ConditionEvaluationResult.disabled("an integration test: it runs in the integration execution");
        if (kind.equals("integration") && !integration)
            return ConditionEvaluationResult.disabled("a unit test: it runs in the unit execution");
        return ConditionEvaluationResult.enabled("");
    }

    /** Whether a class (or the class it is nested in) is an integration test. */
    static boolean isIntegration(Class<?> c) {
        while (c.getEnclosingClass() != null) c = c.getEnclosingClass();
        return c.getSimpleName().endsWith("IT");
    }
}
