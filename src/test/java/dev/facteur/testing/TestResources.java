package dev.facteur.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** Test data files on the class path, found beside a test's class, with a clear failure when one is missing. */
public final class TestResources {

    private TestResources() {}

    /** The bytes of {@code name}, relative to {@code near}'s package (or absolute with a leading slash). */
    public static byte[] bytes(Class<?> near, String name) {
        try (InputStream in = near.getResourceAsStream(name)) {
            if (in == null) throw new IllegalArgumentException("no test resource " + name + " beside " + near.getName());
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The same, one char per byte (messages are compared byte for byte). */
    public static String text(Class<?> near, String name) {
        return new String(bytes(near, name), StandardCharsets.ISO_8859_1);
    }
}
