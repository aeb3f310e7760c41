package dev.facteur.smtp;

import java.net.InetAddress;
import java.util.List;

/**
 * Who may log in, for the AUTH command (RFC 4954): the SASL mechanisms on offer and their
 * exchanges. The SMTP session frames them (base64, {@code 334} challenges, the {@code *} that
 * cancels) and knows no user or password; the sasl package answers.
 */
public interface Authenticator {

    /** The mechanisms offered in EHLO, by name ({@code PLAIN}, {@code LOGIN}); over TLS or not. */
    List<String> mechanisms(boolean tls);

    /**
     * A new exchange of {@code mechanism} (upper case) with a client at {@code client}, or null
     * when it is not offered.
     */
    Exchange start(String mechanism, InetAddress client, boolean tls);

    /** One SASL exchange: the client's responses in, the server's challenges or its verdict out. Not thread-safe. */
    interface Exchange {
        /**
         * The next step after the client's response: its decoded bytes; the initial response of
         * the AUTH command too (empty for {@code =}); null before the client has said anything.
         */
        Step step(byte[] response);
    }

    /** Where an exchange stands after a response. */
    sealed interface Step {
        /** Send this challenge ({@code 334}, base64) and wait for the next response. */
        record Challenge(byte[] challenge) implements Step {}

        /** Logged in as {@code user} ({@code 235}). */
        record Success(String user) implements Step {}

        /** Not logged in: this reply ({@code 535 5.7.8}, {@code 454 4.7.0}, {@code 501}), and why, for the log. */
        record Failure(Reply reply, String why) implements Step {}
    }
}
