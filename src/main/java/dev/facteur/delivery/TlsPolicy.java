package dev.facteur.delivery;

import javax.net.ssl.SSLContext;

/**
 * How one connection to one server uses STARTTLS (RFC 3207), decided per destination before
 * connecting. Today the configuration decides ({@code starttls}, and the logins of
 * {@code [[delivery.auth]]}); MTA-STS (RFC 8461) and DANE (RFC 7672) will make {@link Required}
 * the policy of the destinations that publish one.
 */
public sealed interface TlsPolicy {

    /** No STARTTLS ({@code [delivery] starttls = false}, and LMTP to our own servers). */
    TlsPolicy NONE = new None();

    /** The context for STARTTLS, or null when no STARTTLS is to be tried. */
    SSLContext context();

    /** The policy's level as the log names it ({@link TlsPolicies.Level}): none, may, encrypt or verify. */
    default String level() {
        return switch (this) {
            case None n -> "none";
            case Opportunistic o -> "may";
            case Required r -> r.label() != null ? r.label() : r.verify() ? "verify" : "encrypt";
        };
    }

    record None() implements TlsPolicy {
        @Override
        public SSLContext context() {
            return null;
        }
    }

    /**
     * RFC 7435 opportunistic security: STARTTLS when offered, whatever the certificate; in plain
     * text when the server does not offer it or refuses it (RFC 3207 §4.1). With
     * {@code plaintextRetry}, a failed handshake is followed by a fresh connection to the same
     * server without TLS (Postfix: RETRY_AS_PLAINTEXT), or mail to a server with broken TLS would
     * wait forever; for an hour after, that server's mail goes in plain text at once
     * ({@link FailedHandshakes}). A relay we log in to gets no such retry: its AUTH may be offered
     * only over TLS.
     */
    record Opportunistic(SSLContext context, boolean plaintextRetry) implements TlsPolicy {}

    /**
     * TLS or nothing: a server that does not offer STARTTLS, refuses it, or fails the handshake
     * is not used, and never in plain text.
     *
     * @param context the context for STARTTLS; null means TLS cannot be had, so the server is not used
     * @param verify  whether the certificate must verify for the server's name (RFC 6125)
     * @param reason  why TLS is required, as the refusal says it: "before AUTH", say
     * @param label   the policy's name in the log when it is not the level's ({@code mta-sts}); null otherwise
     */
    record Required(SSLContext context, boolean verify, String reason, String label) implements TlsPolicy {
        public Required(SSLContext context, boolean verify, String reason) {
            this(context, verify, reason, null);
        }
    }
}
