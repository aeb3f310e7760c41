package dev.facteur.smtp;

import dev.facteur.net.HostPort;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.SSLContext;

/**
 * Every limit and choice of the SMTP server in one place (the defaults live in the config package).
 *
 * @param tls the context for STARTTLS, or null when no certificate is configured
 */
public record SmtpSettings(
        String hostname,
        List<HostPort> listen,
        long maxMessageSize,
        int maxRecipients,
        int maxErrors,
        int maxConnections,
        int maxConnectionsPerIp,
        Duration commandTimeout,
        Duration dataTimeout,
        AddressPolicy addresses,
        SSLContext tls) {

    /** RFC 5321 §4.5.3.1.4: 512 octets including CRLF; we allow a little slack for long parameters. */
    static final int MAX_COMMAND_LINE = 2048;

    public SmtpSettings {
        listen = List.copyOf(listen);
    }
}
