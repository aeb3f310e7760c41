package dev.facteur.testing;

import java.io.IOException;
import java.net.URI;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One redis-server for all the tests of a class, started before the first and stopped after the
 * last: {@code @RegisterExtension static final SharedRedis redis = new SharedRedis();}. Tests
 * keep apart by key prefix.
 */
public final class SharedRedis implements BeforeAllCallback, AfterAllCallback {

    private RedisServer server;

    @Override
    public void beforeAll(ExtensionContext context) throws IOException {
        server = RedisServer.start(null);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (server != null) server.close();
    }

    public URI uri() {
        return server.uri();
    }

    public String host() {
        return server.host();
    }

    public int port() {
        return server.port();
    }
}
