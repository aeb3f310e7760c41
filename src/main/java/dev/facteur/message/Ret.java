package dev.facteur.message;

/** RFC 3461 §4.3 RET: how much of the message a failure DSN returns. */
public enum Ret {
    FULL, HDRS
}
