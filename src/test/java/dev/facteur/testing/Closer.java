package dev.facteur.testing;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * What a test started (servers, peers, DNS), closed after each test in the reverse order, each
 * even when another fails to close: {@code @RegisterExtension final Closer running = new Closer();}
 * then {@code running.add(Facteur.start(...))}.
 */
public final class Closer implements AfterEachCallback {

    private final List<AutoCloseable> started = new ArrayList<>();

    /** Keeps {@code c} to close after the test, and returns it. */
    public synchronized <T extends AutoCloseable> T add(T c) {
        started.add(c);
        return c;
    }

    @Override
    public synchronized void afterEach(ExtensionContext context) throws Exception {
        Exception first = null;
        for (AutoCloseable c : started.reversed()) {
            try {
                c.close();
            } catch (Exception e) {
                if (first == null) first = e;
                else first.addSuppressed(e);
            }
        }
        started.clear();
        if (first != null) throw first;
    }
}
