package dev.facteur.dane;

import dev.facteur.dns.Tlsa;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;

/**
 * TLS contexts for STARTTLS to a server with usable TLSA records ({@link DaneOutcome.Required}):
 * the handshake fails unless the server's chain matches them. Use with
 * {@code TlsPolicy.Required(context, true, "DANE")}: a server that does not offer STARTTLS, or
 * whose chain does not match, is not used (RFC 7672 §2.2), and the name check is DANE's own (the
 * trust manager is an {@code X509ExtendedTrustManager}, so the JDK leaves endpoint identification
 * to it, and it checks names only where the records ask for it).
 *
 * <p>Make one context per set of records ({@link DaneLookup} keeps them a minute): a context's
 * session cache lets a later connection resume a session without the records being checked
 * again, which is sound only while the records are the same.
 */
public final class DaneTls {

    private DaneTls() {}

    /**
     * @param records the MX host's TLSA records, as DNSSEC proved them
     * @param mxHost  the MX host: the TLSA base domain, and the first reference identifier
     * @param domain  the destination domain, the other reference identifier (RFC 7672 §3.2.2)
     */
    public static SSLContext context(List<Tlsa> records, String mxHost, String domain) {
        return context(new DaneTrustManager(new DaneVerifier(Clock.systemUTC()), records, referenceIdentifiers(mxHost, domain)));
    }

    /** A context that trusts what {@code trust} trusts; keep {@code trust} to log how the server was verified. */
    public static SSLContext context(DaneTrustManager trust) {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, new TrustManager[] {trust}, null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("every JDK has TLS", e);
        }
    }

    /** The MX host, then the destination domain when it is another name. */
    public static List<String> referenceIdentifiers(String mxHost, String domain) {
        return mxHost.equalsIgnoreCase(domain) ? List.of(mxHost) : List.of(mxHost, domain);
    }
}
