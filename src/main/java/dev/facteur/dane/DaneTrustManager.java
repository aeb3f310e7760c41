package dev.facteur.dane;

import dev.facteur.dns.Tlsa;
import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Trusts the server whose chain {@link DaneVerifier} accepts for these TLSA records, and no other.
 *
 * <p>It extends {@link X509ExtendedTrustManager} so that the JDK uses it as it is: a plain
 * X509TrustManager gets wrapped, and the wrapper checks the host name itself when the socket's
 * endpoint identification is set. DANE decides about names: none for DANE-EE(3), its own
 * reference identifiers for DANE-TA(2). An endpoint identification algorithm on the socket is
 * therefore ignored.
 */
public final class DaneTrustManager extends X509ExtendedTrustManager {

    private final DaneVerifier verifier;
    private final List<Tlsa> records;
    private final List<String> referenceIdentifiers;
    private volatile Verification last;

    /**
     * @param records              the server's TLSA records (unusable ones are ignored)
     * @param referenceIdentifiers the MX host, then the destination domain (RFC 7672 §3.2.2)
     */
    public DaneTrustManager(DaneVerifier verifier, List<Tlsa> records, List<String> referenceIdentifiers) {
        this.verifier = verifier;
        this.records = List.copyOf(records);
        this.referenceIdentifiers = List.copyOf(referenceIdentifiers);
    }

    /** What the last handshake's check found, for the delivery log; empty before any. */
    public Optional<Verification> verification() {
        return Optional.ofNullable(last);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        Verification v = verifier.verify(chain == null ? List.of() : List.of(chain), records, referenceIdentifiers);
        last = v;
        if (v instanceof Verification.Failed(var reason)) throw new CertificateException("DANE: " + reason);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        checkServerTrusted(chain, authType);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        checkServerTrusted(chain, authType);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        throw new CertificateException("DANE here authenticates servers, not clients");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        checkClientTrusted(chain, authType);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        checkClientTrusted(chain, authType);
    }

    /** None: the server is not asked for a chain to any particular CA. */
    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
    }
}
