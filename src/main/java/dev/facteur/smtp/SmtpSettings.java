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
        Defences defences,
        Access access) {

    /** RFC 5321 §4.5.3.1.4: 512 octets including CRLF; we allow a little slack for long parameters. */
    static final int MAX_COMMAND_LINE = 2048;

    public SmtpSettings {
        listen = List.copyOf(listen);
        if (access.requireTls() && tls == null) throw new IllegalArgumentException("a listener that requires TLS needs a certificate");
    }

    /** A listener for mail from other servers (port 25): no AUTH. */
    public SmtpSettings(String hostname, List<HostPort> listen, long maxMessageSize, int maxRecipients, int maxErrors, int maxConnections,
            int maxConnectionsPerIp, Duration commandTimeout, Duration dataTimeout, AddressPolicy addresses, SSLContext tls, Defences defences) {
        this(hostname, listen, maxMessageSize, maxRecipients, maxErrors, maxConnections, maxConnectionsPerIp, commandTimeout, dataTimeout,
                addresses, tls, defences, Access.RELAY);
    }

    /** The same server, with another door. */
    public SmtpSettings withAccess(List<HostPort> listenOn, Access other) {
        return new SmtpSettings(hostname, listenOn, maxMessageSize, maxRecipients, maxErrors, maxConnections, maxConnectionsPerIp,
                commandTimeout, dataTimeout, addresses, tls, defences, other);
    }

    /**
     * Who may send through a listener, and how (RFC 6409, RFC 8314).
     *
     * @param auth            who may log in (AUTH offered), or null: no AUTH
     * @param requireAuth     MAIL needs a login first ({@code 530 5.7.0}): submission
     * @param requireTls      MAIL and AUTH need TLS first ({@code 530 5.7.0}); AUTH is not offered before it
     * @param implicitTls     the listen addresses speak TLS from the first byte (port 465)
     * @param loginInReceived the {@code Received:} field names the login (off by default: privacy)
     */
    public record Access(Authenticator auth, boolean requireAuth, boolean requireTls, boolean implicitTls, boolean loginInReceived) {

        /** Port 25: mail from anyone, for our domains and relay clients. */
        public static final Access RELAY = new Access(null, false, false, false, false);

        public Access {
            if (requireAuth && auth == null) throw new IllegalArgumentException("a listener that requires AUTH needs users");
        }
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
