package dev.facteur.auth.dkim;

import java.io.IOException;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.RSAPublicKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.bouncycastle.asn1.ASN1Primitive;

/**
 * A DKIM key record (RFC 6376 §3.6.1), as DNS publishes it at {@code selector._domainkey.domain}.
 * Unknown tags, hash names, service types and flags are ignored, as the RFC says; an unknown key
 * type is not, since the key could not be read.
 *
 * @param keyType    {@code k=}: "rsa" (the default) or "ed25519"
 * @param hashes     {@code h=}: the hash algorithms the key may be used with; empty means any
 * @param services   {@code s=}: the service types; {@code *} (the default) or {@code email} make it a mail key
 * @param flags      {@code t=}: "y" (the domain is testing DKIM), "s" (i= must be in d= itself); others ignored
 * @param key        the public key; empty when {@code p=} is empty, which revokes the key
 */
public record KeyRecord(String keyType, List<String> hashes, List<String> services, List<String> flags, Optional<PublicKey> key) {

    /** RFC 8301 §3.2: verifiers must not consider RSA keys of less than 1024 bits valid. */
    public static final int MIN_RSA_BITS = 1024;
    /** Verifying grows with the square of the key size: a bound keeps a hostile key from costing seconds. */
    public static final int MAX_RSA_BITS = 8192;

    private static final byte[] ED25519_SPKI_PREFIX = HexFormat.of().parseHex("302a300506032b6570032100"); // RFC 8410 §4

    /** Reads a TXT record's value (its strings joined), or says why it is no key record. */
    public static KeyRecord parse(String txt) throws PermFail {
        if (txt.isBlank()) throw new PermFail("key syntax error: the record is empty");
        TagList tags;
        try {
            tags = TagList.parse(txt);
        } catch (PermFail e) {
            throw new PermFail("key syntax error: " + e.getMessage());
        }
        if (tags.has("v") && (!tags.names().getFirst().equals("v") || !tags.get("v").orElseThrow().equals("DKIM1")))
            throw new PermFail("key syntax error: v= must be DKIM1 and come first, not " + tags.get("v").orElseThrow());
        String k = tags.get("k").map(TagList::compact).orElse("rsa");
        if (!k.equals("rsa") && !k.equals("ed25519")) throw new PermFail("unknown key type k=" + k);
        String p = tags.get("p").map(TagList::compact).orElseThrow(() -> new PermFail("key syntax error: no p= tag"));
        Optional<PublicKey> key = p.isEmpty() ? Optional.empty() : Optional.of(publicKey(k, p));
        List<String> hashes = tags.get("h").map(TagList::list).orElse(List.of());
        List<String> services = tags.get("s").map(TagList::list).orElse(List.of("*"));
        List<String> flags = tags.get("t").map(TagList::list).orElse(List.of());
        return new KeyRecord(k, hashes, services, flags, key);
    }

    /**
     * Whether the key may check a signature by {@code algorithm} for {@code domain} and
     * {@code identityDomain} (§6.1.2 steps 5 to 7, RFC 8301 §3.2); says why not.
     */
    public void checkUsable(DkimAlgorithm algorithm, String domain, String identityDomain) throws PermFail {
        if (!services.contains("*") && !services.contains("email"))
            throw new PermFail("key is not for email: s=" + String.join(":", services));
        if (!hashes.isEmpty() && !hashes.contains(algorithm.hash()))
            throw new PermFail("inappropriate hash algorithm: key h=" + String.join(":", hashes) + " excludes " + algorithm.hash());
        if (key.isEmpty()) throw new PermFail("key revoked (empty p=)");
        if (!keyType.equals(algorithm.keyType()))
            throw new PermFail("inappropriate key algorithm: k=" + keyType + " key for a=" + algorithm);
        if (flags.contains("s") && !identityDomain.equalsIgnoreCase(domain))
            throw new PermFail("key has t=s: the i= domain " + identityDomain + " must be d=" + domain + " itself");
        int bits = bits();
        if (keyType.equals("rsa") && bits < MIN_RSA_BITS)
            throw new PermFail("RSA key of " + bits + " bits is below " + MIN_RSA_BITS + " (RFC 8301)");
        if (keyType.equals("rsa") && bits > MAX_RSA_BITS)
            throw new PermFail("RSA key of " + bits + " bits is above the " + MAX_RSA_BITS + " this verifier checks");
    }

    /** t=y: the domain is testing DKIM; RFC 6376 §3.6.1 asks that its results change nothing. */
    public boolean testing() {
        return flags.contains("y");
    }

    /** The key's size: the RSA modulus in bits, 256 for Ed25519, 0 when revoked. */
    public int bits() {
        if (key.isEmpty()) return 0;
        return key.get() instanceof RSAPublicKey rsa ? rsa.getModulus().bitLength() : 256;
    }

    /**
     * §3.6.1 p=: an RSA key is a SubjectPublicKeyInfo; a bare PKCS#1 RSAPublicKey, which some
     * publish, is read too (dkimpy and others do). An Ed25519 key is the 32 bytes themselves (RFC
     * 8463 §4).
     */
    private static PublicKey publicKey(String k, String p) throws PermFail {
        byte[] der;
        try {
            der = Base64.getDecoder().decode(p);
        } catch (IllegalArgumentException e) {
            throw new PermFail("key syntax error: p= is not base64");
        }
        try {
            if (k.equals("ed25519")) {
                if (der.length != 32) throw new PermFail("key syntax error: an Ed25519 p= is 32 bytes, not " + der.length);
                byte[] spki = new byte[ED25519_SPKI_PREFIX.length + 32];
                System.arraycopy(ED25519_SPKI_PREFIX, 0, spki, 0, ED25519_SPKI_PREFIX.length);
                System.arraycopy(der, 0, spki, ED25519_SPKI_PREFIX.length, 32);
                return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(spki));
            }
            KeyFactory rsa = KeyFactory.getInstance("RSA");
            try {
                return rsa.generatePublic(new X509EncodedKeySpec(der));
            } catch (GeneralSecurityException notSpki) {
                return rsa.generatePublic(pkcs1(der));
            }
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new PermFail("key syntax error: p= is not " + (k.equals("rsa") ? "an RSA" : "an Ed25519") + " public key");
        }
    }

    /** RFC 8017 §A.1.1 RSAPublicKey: SEQUENCE { modulus INTEGER, publicExponent INTEGER }, nothing after it. */
    private static RSAPublicKeySpec pkcs1(byte[] der) throws GeneralSecurityException {
        try {
            // BouncyCastle's ASN.1 RSAPublicKey, named in full: java.security.interfaces has one too
            var key = org.bouncycastle.asn1.pkcs.RSAPublicKey.getInstance(ASN1Primitive.fromByteArray(der));
            BigInteger modulus = key.getModulus();
            if (modulus.signum() <= 0 || key.getPublicExponent().signum() <= 0) throw new GeneralSecurityException("not positive");
            return new RSAPublicKeySpec(modulus, key.getPublicExponent());
        } catch (IOException | RuntimeException e) {
            throw new GeneralSecurityException("neither SubjectPublicKeyInfo nor RSAPublicKey", e);
        }
    }
}
