package dev.facteur.auth.dkim;

import dev.facteur.message.HeaderSection;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.util.Base64;
import java.util.List;

/**
 * The {@code b=} of a DKIM signature (RFC 6376 §3.7, §5.4): the header fields named in {@code h=}
 * (each name takes the last field of that name not yet taken; a name with none left adds nothing,
 * which is how a field is over-signed), then the signature field itself with {@code b=} empty
 * and no final CRLF, canonicalized, hashed and signed: rsa-sha256 (RFC 8301) or ed25519-sha256
 * (RFC 8463: PureEdDSA over the SHA-256 hash).
 */
public final class DkimSigner {

    /** A signing key and its algorithm: {@code rsa-sha256} or {@code ed25519-sha256}. */
    public record Key(String algorithm, PrivateKey key) {
        public Key {
            if (!algorithm.equals("rsa-sha256") && !algorithm.equals("ed25519-sha256"))
                throw new IllegalArgumentException("no DKIM algorithm " + algorithm);
        }
    }

    private DkimSigner() {}

    /**
     * @param fields         the message's header fields in order, each whole (folding and CRLF included), one char per byte
     * @param signedNames    the names of {@code h=}, in order
     * @param canonicalization the header canonicalization of {@code c=}
     * @param signatureField the DKIM-Signature field as it will be written, ending in {@code b=} (its value empty)
     * @return the {@code b=} value, base64
     */
    public static String sign(List<String> fields, List<String> signedNames, Canonicalization canonicalization, String signatureField,
            Key key) throws GeneralSecurityException {
        refuseWhatNoVerifierAccepts(fields, signedNames, signatureField);
        byte[] data = signedData(fields, signedNames, canonicalization, signatureField);
        DkimAlgorithm algorithm = key.algorithm().equals("rsa-sha256") ? DkimAlgorithm.RSA_SHA256 : DkimAlgorithm.ED25519_SHA256;
        return Base64.getEncoder().encodeToString(algorithm.sign(data, key.key()));
    }

    /**
     * RFC 6376 §5.4: From must be signed, so a message without one cannot be; and a d= that is no
     * domain name (such as "legitimate.com(.attacker.com") makes a signature every careful
     * verifier refuses.
     */
    private static void refuseWhatNoVerifierAccepts(List<String> fields, List<String> signedNames, String signatureField) {
        if (signedNames.stream().noneMatch(n -> n.strip().equalsIgnoreCase("from")))
            throw new IllegalArgumentException("h= must include From (RFC 6376 §5.4)");
        if (fields.stream().noneMatch(f -> HeaderSection.name(f).equals("from")))
            throw new IllegalArgumentException("a message without a From field cannot be signed (RFC 6376 §5.4)");
        String d;
        try {
            d = TagList.parse(HeaderSection.value(signatureField)).get("d").orElse("");
        } catch (PermFail e) {
            throw new IllegalArgumentException("the signature field does not read: " + e.getMessage());
        }
        if (!DkimSignature.isDomainName(d)) throw new IllegalArgumentException("d=" + d + " is not a domain name");
    }

    /** What is hashed: the selected fields canonicalized, then the signature field's, without its CRLF. */
    static byte[] signedData(List<String> fields, List<String> signedNames, Canonicalization canonicalization, String signatureField) {
        return HeaderHash.data(fields, signedNames, canonicalization, signatureField);
    }
}
