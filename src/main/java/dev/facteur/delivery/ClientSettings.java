package dev.facteur.delivery;

import java.time.Duration;
import javax.net.ssl.SSLContext;

/**
 * The SMTP client's name and limits. Timeouts default to RFC 5321 §4.5.3.2: greeting 5 min,
 * MAIL/RCPT 5 min, DATA initiation 2 min, each data block 3 min, final dot 10 min.
 *
 * @param tls        the context for STARTTLS, or null to never use TLS
 * @param verifyPeer whether the server's certificate must match its name (RFC 6125); false for
 *                   opportunistic TLS, whose context accepts any certificate
 */
public record ClientSettings(
        String heloName,
        Duration connectTimeout,
        Duration greetingTimeout,
        Duration commandTimeout,
        Duration dataInitTimeout,
        Duration dataBlockTimeout,
        Duration dataEndTimeout,
        SSLContext tls,
        boolean verifyPeer) {

    public ClientSettings(String heloName, Duration connectTimeout, Duration greetingTimeout, Duration commandTimeout,
            Duration dataInitTimeout, Duration dataBlockTimeout, Duration dataEndTimeout, SSLContext tls) {
        this(heloName, connectTimeout, greetingTimeout, commandTimeout, dataInitTimeout, dataBlockTimeout, dataEndTimeout, tls, false);
    }

    /** The same, with TLS that must verify the server (certificate chain and name). */
    public ClientSettings verifying(SSLContext verifyingTls) {
        return new ClientSettings(heloName, connectTimeout, greetingTimeout, commandTimeout, dataInitTimeout, dataBlockTimeout,
                dataEndTimeout, verifyingTls, true);
    }

    public static ClientSettings rfcDefaults(String heloName, SSLContext tls) {
        return new ClientSettings(heloName, Duration.ofSeconds(30), Duration.ofMinutes(5), Duration.ofMinutes(5),
                Duration.ofMinutes(2), Duration.ofMinutes(3), Duration.ofMinutes(10), tls);
    }
}
