package dev.facteur.testing;

import dev.facteur.message.QueueId;
import dev.facteur.spool.Spool;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;

/** Reading back what the spool holds for a message. */
public final class StoredContent {

    private StoredContent() {}

    public static byte[] bytes(Spool spool, String id) throws IOException {
        try (InputStream in = spool.openContent(QueueId.parse(id))) {
            return in.readAllBytes();
        }
    }

    public static String text(Spool spool, String id) throws IOException {
        return new String(bytes(spool, id), StandardCharsets.UTF_8);
    }

    /**
     * The content byte for byte (as ISO-8859-1), or empty when the message is no longer queued:
     * delivered and removed meanwhile. Any other failure to read it fails the test.
     */
    public static Optional<String> ifQueued(Spool spool, QueueId id) {
        if (spool.find(id).isEmpty()) return Optional.empty();
        try (InputStream in = spool.openContent(id)) {
            return Optional.of(new String(in.readAllBytes(), StandardCharsets.ISO_8859_1));
        } catch (IOException e) {
            if (spool.find(id).isEmpty()) return Optional.empty(); // removed between the two looks
            throw new UncheckedIOException(id + " is queued but its content cannot be read", e);
        }
    }

    /**
     * The content as the client sent it: everything after the Received header we prepend
     * (its first line and the folded lines that start with white space, RFC 5322 §2.2.3).
     */
    public static byte[] afterTraceHeader(byte[] content) {
        String prefix = "Received: ";
        if (!new String(content, 0, Math.min(content.length, prefix.length()), StandardCharsets.US_ASCII).equals(prefix))
            throw new AssertionError("content does not start with our Received header");
        int at = 0;
        do {
            int lf = indexOf(content, (byte) '\n', at);
            if (lf < 0) throw new AssertionError("Received header is not terminated");
            at = lf + 1;
        } while (at < content.length && (content[at] == ' ' || content[at] == '\t'));
        return Arrays.copyOfRange(content, at, content.length);
    }

    public static String afterTraceHeader(String content) {
        return new String(afterTraceHeader(content.getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8);
    }

    /** The Received header we prepend, unfolded lines kept as they are. */
    public static String traceHeader(String content) {
        return content.substring(0, content.length() - afterTraceHeader(content).length());
    }

    private static int indexOf(byte[] b, byte c, int from) {
        for (int i = from; i < b.length; i++) if (b[i] == c) return i;
        return -1;
    }
}
