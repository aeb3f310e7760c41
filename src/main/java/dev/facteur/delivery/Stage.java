package dev.facteur.delivery;

import java.time.Duration;

/**
 * The stages of the client's side of an SMTP conversation, each with what it waits for and how
 * long (RFC 5321 §4.5.3.2): the whole reply must come within that time. What each reply means
 * for the recipients is in docs/delivery.md.
 */
enum Stage {
    GREETING("the greeting"),
    EHLO("EHLO"),
    HELO("HELO"),
    STARTTLS("STARTTLS"),
    TLS_HANDSHAKE("the TLS handshake"),
    AUTH("AUTH"),
    RSET("RSET"),
    MAIL("MAIL"),
    RCPT("RCPT"),
    DATA("DATA"),
    CONTENT("the message content"),
    DOT("the final dot"),
    QUIT("QUIT");

    /** A server that does not answer QUIT is not waited for long: the outcome is known by then. */
    private static final Duration QUIT_WAIT = Duration.ofSeconds(5);

    private final String name;

    Stage(String name) {
        this.name = name;
    }

    Duration timeout(ClientSettings s) {
        return switch (this) {
            case GREETING -> s.greetingTimeout();                 // §4.5.3.2.1: 5 minutes
            case DATA -> s.dataInitTimeout();                     // §4.5.3.2.4: 2 minutes
            case CONTENT -> s.dataBlockTimeout();                 // §4.5.3.2.5: 3 minutes a block
            case DOT -> s.dataEndTimeout();                       // §4.5.3.2.6: 10 minutes
            case QUIT -> s.commandTimeout().compareTo(QUIT_WAIT) < 0 ? s.commandTimeout() : QUIT_WAIT;
            default -> s.commandTimeout();                        // §4.5.3.2.2, .3: MAIL, RCPT 5 minutes; the rest alike
        };
    }

    @Override
    public String toString() {
        return name;
    }
}
