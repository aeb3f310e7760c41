package dev.facteur.smtp;

import dev.facteur.net.HostPort;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.SSLContext;

/**
 * Every limit and choice of the SMTP server in one place (the defaults live in the config package).
 *
 * @param maxErrors the hard error limit: at this many errors the server says 421 and hangs up
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
        SSLContext tls,
        Defences defences) {

    /** RFC 5321 §4.5.3.1.4: 512 octets including CRLF; we allow a little slack for long parameters. */
    static final int MAX_COMMAND_LINE = 2048;

    public SmtpSettings {
        listen = List.copyOf(listen);
    }

    /**
     * How the server keeps idle, junk-sending and erring clients from crowding out the others,
     * after Postfix's smtpd (error and junk limits) and postscreen (short patience with strangers).
     *
     * @param softErrorLimit           from this many errors on, every reply waits {@code errorSleep}
     * @param junkCommandLimit         NOOP, RSET, VRFY, HELP, EHLO, HELO and empty BDAT chunks allowed
     *                                 between two accepted messages; each one beyond counts as an error
     * @param commandTimeoutBeforeMail the command timeout until the client's first MAIL is accepted
     * @param reservedConnections      the last slots of {@code maxConnections}, kept for addresses that
     *                                 hold no connection yet
     */
    public record Defences(int softErrorLimit, Duration errorSleep, int junkCommandLimit,
            Duration commandTimeoutBeforeMail, int reservedConnections) {

        /** Postfix's smtpd defaults (soft error limit 10, error sleep 1 s, 100 junk commands); 30 s before MAIL. */
        public static final Defences DEFAULT = new Defences(10, Duration.ofSeconds(1), 100, Duration.ofSeconds(30), 0);
    }
}
