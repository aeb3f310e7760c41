package dev.facteur.auth.arc;

import dev.facteur.auth.dkim.Canonicalization;
import dev.facteur.auth.dkim.DkimAlgorithm;
import dev.facteur.auth.dkim.PermFail;
import dev.facteur.auth.dkim.TagList;
import dev.facteur.message.HeaderSection;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * An ARC-Message-Signature field (RFC 8617 §4.1.2): a DKIM signature (RFC 6376 §3.5) in all but
 * three things. It has no {@code v=} (one is ignored), its {@code i=} is the instance rather than
 * an identity, and it never signs the ARC-Seal fields, which a later sealer adds and which would
 * otherwise make each message signature depend on the seals above it.
 *
 * @param signedHeaders {@code h=}, lower case, in order; empty when h= is (the field then signs itself alone)
 */
public record ArcMessageSignature(String field, int instance, DkimAlgorithm algorithm, byte[] b, byte[] bh,
        Canonicalization headerCanonicalization, Canonicalization bodyCanonicalization, String domain, String selector,
        List<String> signedHeaders, OptionalLong bodyLength, Optional<Instant> timestamp, Optional<Instant> expiration) {

    public static final String FIELD_NAME = "arc-message-signature";

    /** Reads {@code field}, or says why it is no usable message signature. */
    public static ArcMessageSignature parse(String field) throws PermFail {
        TagList tags = TagList.parse(HeaderSection.value(field));
        int instance = ArcTags.instance(tags);
        for (String required : List.of("a", "b", "bh", "d", "h", "s"))
            if (!tags.has(required)) throw new PermFail("AMS i=" + instance + " lacks the required tag " + required + "=");
        try {
            DkimAlgorithm algorithm = DkimAlgorithm.of(tags.get("a").orElseThrow());
            byte[] b = ArcTags.base64(tags, "b");
            byte[] bh = ArcTags.base64(tags, "bh");
            String[] c = tags.get("c").orElse("simple/simple").split("/", -1);
            if (c.length > 2) throw new PermFail("c=" + tags.get("c").orElseThrow() + " is not header/body");
            Canonicalization header = canonicalization(c[0]);
            Canonicalization body = c.length == 2 ? canonicalization(c[1]) : Canonicalization.SIMPLE;
            String domain = ArcTags.domain(tags);
            String selector = ArcTags.selector(tags);
            List<String> signed = TagList.list(tags.get("h").orElseThrow()).stream()
                    .filter(n -> !n.isEmpty()).map(n -> n.toLowerCase(Locale.ROOT)).toList();
            if (signed.contains(ArcSeal.FIELD_NAME)) throw new PermFail("h= signs ARC-Seal, which RFC 8617 §4.1.2 forbids");
            OptionalLong l = ArcTags.number(tags, "l");
            Optional<Instant> t = ArcTags.time(tags, "t");
            Optional<Instant> x = ArcTags.time(tags, "x");
            return new ArcMessageSignature(field, instance, algorithm, b, bh, header, body, domain, selector, signed, l, t, x);
        } catch (PermFail e) {
            throw new PermFail("AMS i=" + instance + ": " + e.getMessage());
        }
    }

    /** The instance of an AMS field, read without judging the rest: only the newest message signature must be usable (§5.2). */
    static int instanceOf(String field) throws PermFail {
        return ArcTags.instance(TagList.parse(HeaderSection.value(field)));
    }

    /** The name under which DNS publishes the key (RFC 6376 §3.6.2.1). */
    public String keyName() {
        return selector + "._domainkey." + domain;
    }

    private static Canonicalization canonicalization(String name) throws PermFail {
        try {
            return Canonicalization.of(TagList.compact(name));
        } catch (IllegalArgumentException e) {
            throw new PermFail("unknown canonicalization c=" + name);
        }
    }
}
