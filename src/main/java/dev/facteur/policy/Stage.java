package dev.facteur.policy;

/** Where in the dialogue a check can decide (RFC 5321 §3.1–§3.3). */
public enum Stage {
    /** The client has connected; nothing is said yet. */
    CONNECT,
    /** EHLO or HELO. */
    HELO,
    /** MAIL FROM: the sender is known. */
    MAIL,
    /** RCPT TO: one recipient is known. */
    RCPT,
    /** The end of the content: headers and body. */
    DATA
}
