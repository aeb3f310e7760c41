package dev.facteur.metrics;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import javax.security.auth.x500.X500Principal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One certificate file (PEM), read again when it changes: the name and notAfter of its first certificate, the server's own. */
final class CertificateExpiry {

    private static final Logger log = LoggerFactory.getLogger("facteur.metrics");
    /** subjectAltName's dNSName (RFC 5280 §4.2.1.6). */
    private static final int DNS_NAME = 2;

    /** A certificate's first DNS name (its common name when it has none) and when it expires. */
    record Certificate(String name, Instant notAfter) {}

    private final Path file;
    private boolean tried;
    private FileTime read; // the modification time of what was read last; null: the file was missing
    private Optional<Certificate> current = Optional.empty();

    CertificateExpiry(Path file) {
        this.file = file;
    }

    /** Reads the file again if it changed; returns whether {@link #current} may have changed. */
    boolean refresh() {
        FileTime modified;
        try {
            modified = Files.getLastModifiedTime(file);
        } catch (IOException e) {
            modified = null;
        }
        if (tried && Objects.equals(modified, read)) return false; // unchanged, or still missing: said once is enough
        tried = true;
        read = modified;
        Optional<Certificate> before = current;
        try {
            current = Optional.of(read(file));
        } catch (IOException | CertificateException | RuntimeException e) {
            log.warn("metrics: cannot read the certificate {}: {}", file, e.toString());
            current = Optional.empty();
        }
        return !current.equals(before);
    }

    Optional<Certificate> current() {
        return current;
    }

    static Certificate read(Path file) throws IOException, CertificateException {
        X509Certificate leaf;
        try (InputStream in = Files.newInputStream(file)) {
            leaf = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
        return new Certificate(name(leaf), leaf.getNotAfter().toInstant());
    }

    private static String name(X509Certificate c) throws CertificateParsingException {
        var alternatives = c.getSubjectAlternativeNames();
        if (alternatives != null) {
            for (List<?> san : alternatives) {
                if (Objects.equals(san.get(0), DNS_NAME)) return ((String) san.get(1)).toLowerCase(Locale.ROOT);
            }
        }
        String dn = c.getSubjectX500Principal().getName(X500Principal.RFC2253);
        for (String part : dn.split(",")) {
            if (part.startsWith("CN=")) return part.substring(3).toLowerCase(Locale.ROOT);
        }
        return dn;
    }
}
