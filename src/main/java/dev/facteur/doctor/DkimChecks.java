package dev.facteur.doctor;

import dev.facteur.auth.dkim.DkimAlgorithm;
import dev.facteur.auth.dkim.DkimKeys;
import dev.facteur.auth.dkim.KeyQuery;
import dev.facteur.auth.dkim.KeyRecord;
import dev.facteur.auth.dkim.PermFail;
import dev.facteur.auth.dkim.SigningKey;
import dev.facteur.dns.DnsResolver;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.interfaces.EdECPrivateKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.spec.RSAPublicKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.time.Clock;
import java.time.Year;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.bouncycastle.math.ec.rfc8032.Ed25519;

/**
 * Each DKIM key Facteur signs with for a domain is published at {@code selector._domainkey.domain}
 * (RFC 6376 §3.6.2), and the published key is the private key's public half: otherwise every
 * signature fails at the receiver. The record to publish is the one {@code facteur dkim keygen} prints.
 */
final class DkimChecks implements DomainChecks {

    private static final byte[] PROBE = "facteur doctor: does the published key verify what the private key signs?"
            .getBytes(StandardCharsets.US_ASCII);
    private static final byte[] ED25519_SPKI_PREFIX = HexFormat.of().parseHex("302a300506032b6570032100"); // RFC 8410 §4

    private final DnsResolver dns;
    private final Clock clock;

    /** @param clock for the selector suggested for a new key (the year: selectors name when a key was made) */
    DkimChecks(DnsResolver dns, Clock clock) {
        this.dns = dns;
        this.clock = clock;
    }

    @Override
    public List<Check> check(Installation server, Domain domain) {
        String d = domain.name();
        var signers = server.config().dkim().signers();
        List<SigningKey> own = signers.keys().stream().filter(k -> k.domain().equals(d)).toList();
        if (own.isEmpty()) {
            List<SigningKey> inherited = signers.keysFor(d, null);
            if (!inherited.isEmpty())
                return List.of(Check.pass("Mail from " + d + " is signed with the keys of " + inherited.getFirst().domain(),
                        "DMARC's relaxed alignment accepts a signature by a parent domain; those keys are checked under "
                                + inherited.getFirst().domain()));
            String selector = "s" + Year.now(clock);
            return List.of(Check.warn("No DKIM key signs mail from " + d,
                    "receivers check DKIM, and DMARC passes on SPF alone only while mail is not forwarded",
                    "facteur dkim keygen --domain " + d + " --selector " + selector + "   (prints the record to publish and the [[dkim.keys]] lines)"));
        }
        List<Check> out = new ArrayList<>();
        for (SigningKey k : own) out.add(check(k));
        return out;
    }

    private Check check(SigningKey k) {
        String name = k.selector() + "._domainkey." + k.domain();
        List<String> fix = record(k).map(r -> List.of(Records.txt(name, r))).orElse(List.of());
        return switch (KeyQuery.fetch(dns, k.selector(), k.domain())) {
            case KeyQuery.Answer.TempFail(var reason) -> Check.warn("The DKIM key " + name + " did not answer", reason);
            case KeyQuery.Answer.Unusable(var reason) -> new Check.Fail("The DKIM key " + name + " is not published",
                    reason + "; every signature with selector " + k.selector() + " fails", fix);
            case KeyQuery.Answer.Found(var published) -> compare(k, name, published, fix);
        };
    }

    private static Check compare(SigningKey k, String name, KeyRecord published, List<String> fix) {
        DkimAlgorithm algorithm;
        try {
            algorithm = DkimAlgorithm.of(k.key().algorithm());
            published.checkUsable(algorithm, k.domain(), k.domain());
        } catch (PermFail e) {
            return new Check.Fail("The DKIM key " + name + " cannot verify our signatures: " + e.getMessage(), "", fix);
        }
        // a signature made with the private key, checked with the published key: what a receiver does, for any algorithm
        boolean same;
        try {
            same = algorithm.verify(PROBE, algorithm.sign(PROBE, k.key().key()), published.key().orElseThrow());
        } catch (GeneralSecurityException e) {
            same = false;
        }
        if (!same)
            return new Check.Fail("The DKIM key " + name + " is not the public half of the private key in use",
                    "every signature with selector " + k.selector() + " fails; publish the key of the private key configured"
                            + " (or was the key rotated without a new selector?)", fix);
        return Check.pass("The DKIM key " + name + " matches the private key (" + published.keyType()
                + (published.keyType().equals("rsa") ? ", " + published.bits() + " bits" : "") + ")",
                published.testing() ? "t=y: the domain says it is testing DKIM; receivers may ignore failures" : "");
    }

    /** The record {@code facteur dkim keygen} prints for this key, when its public half can be derived. */
    static Optional<String> record(SigningKey k) {
        try {
            PrivateKey key = k.key().key();
            PublicKey pub;
            if (key instanceof RSAPrivateCrtKey rsa) {
                pub = KeyFactory.getInstance("RSA").generatePublic(new RSAPublicKeySpec(rsa.getModulus(), rsa.getPublicExponent()));
            } else if (key instanceof EdECPrivateKey ed && ed.getBytes().isPresent()) {
                byte[] raw = new byte[Ed25519.PUBLIC_KEY_SIZE];
                Ed25519.generatePublicKey(ed.getBytes().get(), 0, raw, 0);
                byte[] spki = new byte[ED25519_SPKI_PREFIX.length + raw.length];
                System.arraycopy(ED25519_SPKI_PREFIX, 0, spki, 0, ED25519_SPKI_PREFIX.length);
                System.arraycopy(raw, 0, spki, ED25519_SPKI_PREFIX.length, raw.length);
                pub = KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(spki));
            } else {
                return Optional.empty(); // an RSA key without its CRT parts carries no public exponent
            }
            return Optional.of(DkimKeys.record(new KeyPair(pub, key)));
        } catch (GeneralSecurityException e) {
            return Optional.empty();
        }
    }
}
