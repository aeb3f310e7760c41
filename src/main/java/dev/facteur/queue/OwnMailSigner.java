package dev.facteur.queue;

import java.io.IOException;
import java.io.OutputStream;
import java.util.List;

/** Signs the mail Facteur writes itself (DSNs) as the mail of its users is signed; the queue does not know how. */
@FunctionalInterface
public interface OwnMailSigner {

    /** Signs nothing. */
    OwnMailSigner NONE = (message, eightBit) -> new Signed(List.of(), null);

    /** Writes a whole message; it may be asked to write it more than once, the same each time. */
    @FunctionalInterface
    interface Message {
        void writeTo(OutputStream out) throws IOException;
    }

    /**
     * The signature fields to put above the message, and the message made 7-bit when it had to
     * be before signing ({@code sevenBit}; null: the message as {@code message} writes it).
     */
    record Signed(List<String> fields, byte[] sevenBit) {
        public Signed {
            fields = List.copyOf(fields);
        }
    }

    /** @param eightBit whether the message may hold 8-bit content (a returned original) */
    Signed sign(Message message, boolean eightBit) throws IOException;
}
