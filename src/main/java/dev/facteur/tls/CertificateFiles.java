package dev.facteur.tls;

import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.LongSupplier;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.X509ExtendedKeyManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server's certificates, from PEM files, for every TLS handshake: the one whose names match
 * the name the client asked for (SNI, RFC 6066 §3), else the first. The files are looked at again
 * (at most once a second) and read again when they change, so a renewed certificate (certbot, an
 * ACME client) is used without a restart. A file that does not read, half-written or garbage,
 * is logged and the certificate in use stays.
 */
public final class CertificateFiles extends X509ExtendedKeyManager {

    private static final Logger log = LoggerFactory.getLogger("facteur.tls");
    static final Duration CHECK_EVERY = Duration.ofSeconds(1);

    /** One certificate chain and its key, as files. */
    public record Pair(Path certificate, Path privateKey) {}

    /** A pair as read: its chain, key, names, and the files' stamp when read. */
    private record Loaded(Pair files, X509Certificate[] chain, PrivateKey key, List<String> names, String stamp) {}

    private final List<Pair> pairs;
    private final LongSupplier ticker;
    private volatile List<Loaded> loaded;
    private volatile long checkedAt;

    private CertificateFiles(List<Pair> pairs, LongSupplier ticker, List<Loaded> first) {
        this.pairs = List.copyOf(pairs);
        this.ticker = ticker;
        this.loaded = first;
        this.checkedAt = ticker.getAsLong();
    }

    /** Reads every pair now: one that does not read fails here, with its file. */
    public static CertificateFiles open(List<Pair> pairs) throws IOException {
        return open(pairs, System::nanoTime);
    }

    static CertificateFiles open(List<Pair> pairs, LongSupplier ticker) throws IOException {
        if (pairs.isEmpty()) throw new IllegalArgumentException("no certificate");
        List<Loaded> first = new ArrayList<>();
        for (Pair p : pairs) first.add(read(p));
        return new CertificateFiles(pairs, ticker, first);
    }

    /**
     * Reads a pair as a server start does, without keeping it ({@code facteur check-config}): the
     * error names the file at fault.
     */
    public static void check(Pair p) throws IOException {
        read(p);
    }

    private static Loaded read(Pair p) throws IOException {
        String stamp = stamp(p);
        X509Certificate[] chain = PemTls.readChain(p.certificate());
        PrivateKey key = PemTls.readKey(p.privateKey());
        if (!chain[0].getPublicKey().getAlgorithm().equals(key.getAlgorithm()) && !(key.getAlgorithm().equals("EC")
                && chain[0].getPublicKey().getAlgorithm().equals("EC")))
            throw new IOException(p.privateKey() + ": a " + key.getAlgorithm() + " key for a " + chain[0].getPublicKey().getAlgorithm()
                    + " certificate (" + p.certificate() + ")");
        // A renewal that wrote the certificate but not yet its key (or the key of another pair) would
        // otherwise fail every handshake: caught here, the pair in use stays until both files agree.
        if (!CertificateIdentity.belongTogether(chain[0].getPublicKey(), key))
            throw new IOException(p.privateKey() + ": not the key of the certificate " + p.certificate()
                    + " (its public key is another): a key and certificate of different pairs?");
        return new Loaded(p, chain, key, CertificateIdentity.names(chain[0]), stamp);
    }

    /** The files' modification times and sizes: a change in either is a new version. */
    private static String stamp(Pair p) throws IOException {
        var c = Files.readAttributes(p.certificate(), BasicFileAttributes.class);
        var k = Files.readAttributes(p.privateKey(), BasicFileAttributes.class);
        return c.lastModifiedTime() + "/" + c.size() + "/" + k.lastModifiedTime() + "/" + k.size();
    }

    /** The certificates now, after reading again those whose files changed. */
    private List<Loaded> current() {
        long now = ticker.getAsLong();
        if (now - checkedAt < CHECK_EVERY.toNanos()) return loaded;
        synchronized (this) {
            if (now - checkedAt < CHECK_EVERY.toNanos()) return loaded;
            checkedAt = now;
            List<Loaded> next = new ArrayList<>(loaded);
            boolean changed = false;
            for (int i = 0; i < next.size(); i++) {
                Loaded old = next.get(i);
                try {
                    if (stamp(old.files()).equals(old.stamp())) continue;
                    Loaded fresh = read(old.files());
                    next.set(i, fresh);
                    changed = true;
                    log.info("TLS: read {} again (names {}, valid until {})", old.files().certificate(), fresh.names(),
                            fresh.chain()[0].getNotAfter().toInstant());
                } catch (IOException | RuntimeException e) {
                    log.error("TLS: {} changed but does not read ({}); the certificate in use stays", old.files().certificate(), e.getMessage());
                    // remember this version as seen, so that the error is logged once per change
                    try {
                        next.set(i, new Loaded(old.files(), old.chain(), old.key(), old.names(), stamp(old.files())));
                    } catch (IOException gone) {
                        // looked at again next time
                    }
                }
            }
            if (changed || !next.equals(loaded)) loaded = List.copyOf(next);
            return loaded;
        }
    }

    /**
     * The alias (index) of the certificate for this handshake: among those whose names match the
     * name asked for (SNI), else the first pair alone, the one with a key of {@code keyType}; null
     * when it has none of that type (JSSE then asks for its next type).
     */
    private String choose(String keyType, SSLSession handshake) {
        List<Loaded> all = current();
        String asked = requestedName(handshake);
        List<Integer> named = new ArrayList<>();
        for (int i = 0; i < all.size(); i++) {
            int index = i;
            if (asked != null && all.get(i).names().stream().anyMatch(n -> CertificateIdentity.matches(n, asked))) named.add(index);
        }
        if (named.isEmpty()) named.add(0);
        for (int i : named) if (fits(keyType, all.get(i).key())) return Integer.toString(i);
        return null;
    }

    /** The host name the client asked for (SNI), or null. */
    private static String requestedName(SSLSession handshake) {
        if (!(handshake instanceof ExtendedSSLSession e)) return null;
        for (SNIServerName n : e.getRequestedServerNames())
            if (n instanceof SNIHostName h) return h.getAsciiName().toLowerCase(Locale.ROOT);
        return null;
    }

    private static boolean fits(String keyType, PrivateKey key) {
        if (keyType == null) return true;
        String k = keyType.toUpperCase(Locale.ROOT);
        return switch (key.getAlgorithm()) {
            case "RSA" -> k.equals("RSA") || k.equals("RSASSA-PSS");
            case "EC" -> k.equals("EC") || k.startsWith("EC_");
            default -> k.equalsIgnoreCase(key.getAlgorithm());
        };
    }

    private Loaded byAlias(String alias) {
        try {
            return current().get(Integer.parseInt(alias));
        } catch (NumberFormatException | IndexOutOfBoundsException e) {
            return null;
        }
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
        return choose(keyType, socket instanceof SSLSocket s ? s.getHandshakeSession() : null);
    }

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
        return choose(keyType, engine == null ? null : engine.getHandshakeSession());
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
        Loaded l = byAlias(alias);
        return l == null ? null : l.chain().clone();
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
        Loaded l = byAlias(alias);
        return l == null ? null : l.key();
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
        List<Loaded> all = current();
        List<String> out = new ArrayList<>();
        for (int i = 0; i < all.size(); i++) if (fits(keyType, all.get(i).key())) out.add(Integer.toString(i));
        return out.isEmpty() ? null : out.toArray(String[]::new);
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
        return null;
    }

    @Override
    public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
        return null;
    }

    /** The files, for the log. */
    @Override
    public String toString() {
        return pairs.stream().map(p -> p.certificate().toString()).toList().toString();
    }
}
