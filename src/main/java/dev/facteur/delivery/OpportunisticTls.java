package dev.facteur.delivery;

import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * STARTTLS without authentication (RFC 7435 opportunistic security): encryption is always
 * better than none, so a certificate that does not verify is logged, not refused. Policies that
 * require verification (MTA-STS, DANE) come later.
 */
public final class OpportunisticTls {

    private static final Logger log = LoggerFactory.getLogger("facteur.delivery");

    private OpportunisticTls() {}

    public static SSLContext context() {
        try {
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init((KeyStore) null);
            X509TrustManager system = (X509TrustManager) tmf.getTrustManagers()[0];
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, new javax.net.ssl.TrustManager[] {new LoggingTrustManager(system)}, null);
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("no TLS in this JDK", e);
        }
    }

    private record LoggingTrustManager(X509TrustManager system) implements X509TrustManager {
        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
            try {
                system.checkServerTrusted(chain, authType);
            } catch (CertificateException e) {
                log.info("TLS certificate of {} does not verify ({}); continuing anyway (opportunistic TLS: encrypted, server not authenticated)",
                        chain.length > 0 ? chain[0].getSubjectX500Principal().getName() : "peer", e.getMessage());
            }
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            throw new CertificateException("client side only");
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
