package dev.facteur.auth.dkim;

import dev.facteur.message.HeaderSection;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.Signature;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

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
        byte[] data = signedData(fields, signedNames, canonicalization, signatureField);
        byte[] signature;
        if (key.algorithm().equals("rsa-sha256")) {
            Signature rsa = Signature.getInstance("SHA256withRSA");
            rsa.initSign(key.key());
            rsa.update(data);
            signature = rsa.sign();
        } else {
            Signature ed = Signature.getInstance("Ed25519");
            ed.initSign(key.key());
            ed.update(MessageDigest.getInstance("SHA-256").digest(data));
            signature = ed.sign();
        }
        return Base64.getEncoder().encodeToString(signature);
    }

    /** What is hashed: the selected fields canonicalized, then the signature field's, without its CRLF. */
    static byte[] signedData(List<String> fields, List<String> signedNames, Canonicalization canonicalization, String signatureField) {
        StringBuilder data = new StringBuilder();
        List<String> left = new ArrayList<>(fields);
        for (String name : signedNames) {
            for (int i = left.size() - 1; i >= 0; i--) {
                if (HeaderSection.name(left.get(i)).equals(name.strip().toLowerCase(Locale.ROOT))) {
                    data.append(canonicalization.header(left.remove(i)));
                    break;
                }
            }
        }
        String own = canonicalization.header(signatureField);
        data.append(own, 0, own.length() - 2); // §3.7: without its final CRLF
        return data.toString().getBytes(StandardCharsets.ISO_8859_1);
    }

}
