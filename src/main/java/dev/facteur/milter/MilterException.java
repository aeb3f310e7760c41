package dev.facteur.milter;

import java.io.IOException;

/**
 * The filter failed us: we could not reach it, it said nothing in time, it went away, or it said
 * something that is not the protocol. The connection is of no more use: every later call on it
 * throws again. The caller answers as configured for an unavailable filter (Postfix's
 * {@code milter_default_action}: tempfail, or accept).
 */
public final class MilterException extends IOException {

    public enum Kind {
        /** No connection: refused, no such socket, or no answer to the connect within its timeout. */
        UNAVAILABLE,
        /** No answer, or no progress writing to it, within the stage's timeout. */
        TIMEOUT,
        /** The filter closed the connection or it broke, in the middle of the dialogue. */
        CLOSED,
        /** A packet that is not the protocol: a bad length, an unknown code, bad data, a packet too big. */
        PROTOCOL
    }

    private final Kind kind;

    public MilterException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public MilterException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
