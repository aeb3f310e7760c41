package dev.facteur.delivery;

import java.time.Duration;
import javax.net.ssl.SSLContext;

/**
 * The SMTP client's name and limits. Timeouts default to RFC 5321 §4.5.3.2: greeting 5 min,
 * MAIL/RCPT 5 min, DATA initiation 2 min, each data block 3 min, final dot 10 min.
 *
 * @param tls the context for opportunistic STARTTLS (no certificate verification), or null to never use TLS
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
}
