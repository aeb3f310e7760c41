package dev.facteur.dane;

import dev.facteur.dns.Tlsa;
import java.io.ByteArrayInputStream;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.security.spec.X509EncodedKeySpec;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Checks a server's certificate chain against its TLSA records, as an SMTP client does (RFC 7672
 * §3). Only the usable records count ({@link Usability}); one that matches is enough.
 * <ul>
 * <li>DANE-EE(3) (§3.1.1): the server certificate (selector Cert) or its key (SPKI) matches the
 * record. Nothing else: no name check (§3.2.1), no validity dates, no chain, since the record in
 * signed DNS is what vouches for the key, for as long as it is published (RFC 7671 §5.1).</li>
 * <li>DANE-TA(2) (§3.1.2): a certificate of the chain other than the server's own matches the
 * record, and is the trust anchor: the chain from the server certificate up to it must validate
 * as PKIX validates (RFC 5280 §6: signatures, CA constraints, key usage, and the validity dates of
 * every certificate below the anchor; the anchor's own dates are not checked, as no anchor's
 * are), and the server certificate must name a reference identifier ({@link NameCheck}). A
 * Full(0) record may hold the anchor itself when the server does not send it (RFC 7671 §5.2.2,
 * §5.2.3): the certificate, or the public key that signed the chain.</li>
 * </ul>
 */
public final class DaneVerifier {

    private final Clock clock;

    /** @param clock the time at which DANE-TA(2) chains must be valid */
    public DaneVerifier(Clock clock) {
        this.clock = clock;
    }

    /**
     * @param chain                the server's chain as it sent it: its own certificate first
     * @param rrset                the TLSA records of the server (usable or not: the rest are ignored)
     * @param referenceIdentifiers the names a DANE-TA(2) chain's server certificate may bear: the
     *                             MX host, then the destination domain (RFC 7672 §3.2.2)
     */
    public Verification verify(List<X509Certificate> chain, List<Tlsa> rrset, List<String> referenceIdentifiers) {
        if (chain.isEmpty()) return new Verification.Failed("the server sent no certificate");
        List<Tlsa> usable = Usability.usable(rrset);
        if (usable.isEmpty()) return new Verification.Failed("no usable TLSA record among " + rrset);
        X509Certificate leaf = chain.getFirst();
        for (Tlsa r : usable)
            if (r.usage() == Tlsa.DANE_EE && matches(leaf, r))
                return new Verification.Verified(r, r.mnemonic() + " matched the server certificate " + subject(leaf));
        List<String> failures = new ArrayList<>();
        for (Tlsa r : usable) {
            if (r.usage() != Tlsa.DANE_TA) continue;
            Optional<Verification> v = anchoredBy(chain, r, referenceIdentifiers);
            if (v.isPresent() && v.get() instanceof Verification.Verified) return v.get();
            v.ifPresent(f -> failures.add(((Verification.Failed) f).reason()));
        }
        if (!failures.isEmpty()) return new Verification.Failed(String.join("; ", failures));
        return new Verification.Failed("no TLSA record matches the chain of " + subject(leaf) + " (" + usable.size() + " usable: "
                + usable.stream().map(Tlsa::mnemonic).distinct().toList() + ")");
    }

    /** What DANE-TA(2) record {@code r} says of the chain; empty when it matches none of it. */
    private Optional<Verification> anchoredBy(List<X509Certificate> chain, Tlsa r, List<String> references) {
        // The anchor is an issuer: it is looked for above the server certificate, not in it.
        for (int depth = 1; depth < chain.size(); depth++) {
            X509Certificate ta = chain.get(depth);
            if (matches(ta, r))
                return Optional.of(validate(chain.subList(0, depth), new TrustAnchor(ta, null), r,
                        "matched " + subject(ta) + " at depth " + depth, references));
        }
        if (r.matchingType() != Tlsa.FULL) return Optional.empty();
        // RFC 7671 §5.2.2, §5.2.3: the record holds the anchor; find the certificate it issued.
        byte[] data = r.data();
        for (int k = 1; k <= chain.size(); k++) {
            X509Certificate top = chain.get(k - 1);
            Optional<TrustAnchor> anchor = r.selector() == Tlsa.CERT ? certificate(data).filter(c -> issued(c.getPublicKey(), top))
                    .map(c -> new TrustAnchor(c, null))
                    : publicKey(data).filter(key -> issued(key, top)).map(key -> new TrustAnchor(top.getIssuerX500Principal(), key, null));
            if (anchor.isPresent())
                return Optional.of(validate(chain.subList(0, k), anchor.get(), r, "holds the key that issued " + subject(top), references));
        }
        return Optional.empty();
    }

    /** The chain below a matched anchor must hold, and the server certificate must bear a reference identifier. */
    private Verification validate(List<X509Certificate> path, TrustAnchor anchor, Tlsa r, String how, List<String> references) {
        String what = r.mnemonic() + " " + how;
        try {
            var params = new PKIXParameters(Set.of(anchor));
            params.setRevocationEnabled(false); // DANE replaces the CA's word; nor is there a way to ask it in time
            params.setDate(Date.from(clock.instant()));
            CertPathValidator.getInstance("PKIX").validate(CertificateFactory.getInstance("X.509").generateCertPath(path), params);
        } catch (CertPathValidatorException e) {
            Throwable cause = e.getCause();
            return new Verification.Failed(what + ", but the chain below it does not hold: " + e.getMessage()
                    + (cause != null && cause.getMessage() != null && !e.getMessage().contains(cause.getMessage()) ? " (" + cause.getMessage() + ")" : ""));
        } catch (GeneralSecurityException e) {
            return new Verification.Failed(what + ", but the chain cannot be checked: " + e.getMessage());
        }
        X509Certificate leaf = path.getFirst();
        String name = NameCheck.matching(leaf, references);
        if (name == null)
            return new Verification.Failed(what + ", but the server certificate names " + NameCheck.presented(leaf) + ", none of " + references);
        return new Verification.Verified(r, what + "; the server certificate names " + name);
    }

    /** RFC 6698 §2.1.2, §2.1.3: the selected part of the certificate, compared as the matching type says. */
    static boolean matches(X509Certificate certificate, Tlsa r) {
        byte[] selected;
        try {
            selected = r.selector() == Tlsa.CERT ? certificate.getEncoded() : certificate.getPublicKey().getEncoded();
        } catch (CertificateEncodingException e) {
            return false;
        }
        byte[] compared = switch (r.matchingType()) {
            case Tlsa.FULL -> selected;
            case Tlsa.SHA2_256 -> digest("SHA-256", selected);
            case Tlsa.SHA2_512 -> digest("SHA-512", selected);
            default -> null; // unusable: never asked
        };
        return compared != null && MessageDigest.isEqual(compared, r.data());
    }

    private static boolean issued(PublicKey key, X509Certificate certificate) {
        try {
            certificate.verify(key);
            return true;
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    private static Optional<X509Certificate> certificate(byte[] der) {
        try {
            return Optional.of((X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der)));
        } catch (CertificateException | ClassCastException e) {
            return Optional.empty();
        }
    }

    /** A SubjectPublicKeyInfo of any algorithm the JDK knows. */
    private static Optional<PublicKey> publicKey(byte[] spki) {
        for (String algorithm : List.of("RSA", "EC", "Ed25519", "Ed448", "RSASSA-PSS")) {
            try {
                return Optional.of(KeyFactory.getInstance(algorithm).generatePublic(new X509EncodedKeySpec(spki)));
            } catch (GeneralSecurityException e) {
                // another algorithm, perhaps
            }
        }
        return Optional.empty();
    }

    private static byte[] digest(String algorithm, byte[] bytes) {
        try {
            return MessageDigest.getInstance(algorithm).digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has " + algorithm, e);
        }
    }

    private static String subject(X509Certificate c) {
        return "\"" + c.getSubjectX500Principal().getName() + "\"";
    }
}
