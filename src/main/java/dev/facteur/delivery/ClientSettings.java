package dev.facteur.delivery;

import java.time.Duration;
import javax.net.ssl.SSLContext;

/**
 * The SMTP client's name and limits. Timeouts default to RFC 5321 §4.5.3.2: greeting 5 min,
 * MAIL/RCPT 5 min, DATA initiation 2 min, each data block 3 min, final dot 10 min. Each bounds a
 * whole reply, not one read (see {@link Stage}).
 *
 * @param tls the context for opportunistic STARTTLS (any certificate), or null to never use TLS
 *            unless a destination's {@link TlsPolicy} brings its own
 */
public record ClientSettings(
        String heloName,
        Duration connectTimeout,
        Duration greetingTimeout,
        Duration commandTimeout,
        Duration dataInitTimeout,
        Duration dataBlockTimeout,
        Duration dataEndTimeout,
        SSLContext tls) {

    public static ClientSettings rfcDefaults(String heloName, SSLContext tls) {
        return new ClientSettings(heloName, Duration.ofSeconds(30), Duration.ofMinutes(5), Duration.ofMinutes(5),
                Duration.ofMinutes(2), Duration.ofMinutes(3), Duration.ofMinutes(10), tls);
    }

    /** The same, saying {@code name} in EHLO (a source address's own name). */
    public ClientSettings withHeloName(String name) {
        return new ClientSettings(name, connectTimeout, greetingTimeout, commandTimeout, dataInitTimeout, dataBlockTimeout, dataEndTimeout, tls);
    }

    /** STARTTLS as the configuration has it: opportunistic, or none. */
    TlsPolicy opportunisticTls() {
        return tls == null ? TlsPolicy.NONE : new TlsPolicy.Opportunistic(tls, true);
    }
}
