package dev.facteur.it;

import dev.facteur.message.QueueId;
import dev.facteur.spool.Spool;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** Reading back what the spool holds for a message. */
final class StoredContent {

    private StoredContent() {}

    static byte[] bytes(Spool spool, String id) throws IOException {
        try (InputStream in = spool.openContent(QueueId.parse(id))) {
            return in.readAllBytes();
        }
    }

    static String text(Spool spool, String id) throws IOException {
        return new String(bytes(spool, id), StandardCharsets.UTF_8);
    }

    /**
     * The content as the client sent it: everything after the Received header we prepend
     * (its first line and the folded lines that start with white space, RFC 5322 §2.2.3).
     */
    static byte[] afterTraceHeader(byte[] content) {
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

    static String afterTraceHeader(String content) {
        return new String(afterTraceHeader(content.getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8);
    }

    /** The Received header we prepend, unfolded lines kept as they are. */
    static String traceHeader(String content) {
        return content.substring(0, content.length() - afterTraceHeader(content).length());
    }

    private static int indexOf(byte[] b, byte c, int from) {
        for (int i = from; i < b.length; i++) if (b[i] == c) return i;
        return -1;
    }
}
