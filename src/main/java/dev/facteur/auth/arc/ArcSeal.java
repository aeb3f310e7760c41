package dev.facteur.auth.arc;

import dev.facteur.auth.dkim.Canonicalization;
import dev.facteur.auth.dkim.DkimAlgorithm;
import dev.facteur.auth.dkim.PermFail;
import dev.facteur.auth.dkim.TagList;
import dev.facteur.message.HeaderSection;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * An ARC-Seal field (RFC 8617 §4.1.3): a signature over the chain rather than the message. It has
 * no {@code h=} and no {@code c=}: what it signs is fixed (§5.1.1), every ARC field of the sets up
 * to its own, relaxed.
 *
 * @param cv what its sealer found the chain to be when it added this set (§4.1.3, §4.4)
 */
public record ArcSeal(String field, int instance, DkimAlgorithm algorithm, byte[] b, ChainValidationStatus cv, String domain,
        String selector, Optional<Instant> timestamp) {

    public static final String FIELD_NAME = "arc-seal";

    /** Reads {@code field}, or says why it is no usable seal. */
    public static ArcSeal parse(String field) throws PermFail {
        TagList tags = TagList.parse(HeaderSection.value(field));
        int instance = ArcTags.instance(tags);
        try {
            for (String required : List.of("a", "b", "cv", "d", "s"))
                if (!tags.has(required)) throw new PermFail("missing required tag " + required + "=");
            if (tags.has("h")) throw new PermFail("h= is not allowed: a seal's scope is fixed (RFC 8617 §4.1.3)");
            DkimAlgorithm algorithm = DkimAlgorithm.of(tags.get("a").orElseThrow());
            byte[] b = ArcTags.base64(tags, "b");
            String cv = tags.get("cv").orElseThrow();
            ChainValidationStatus status = ChainValidationStatus.of(cv).orElseThrow(() -> new PermFail("cv=" + cv + " is none of none, pass, fail"));
            return new ArcSeal(field, instance, algorithm, b, status, ArcTags.domain(tags), ArcTags.selector(tags), ArcTags.time(tags, "t"));
        } catch (PermFail e) {
            throw new PermFail("AS i=" + instance + ": " + e.getMessage());
        }
    }

    /** The name under which DNS publishes the key (RFC 6376 §3.6.2.1). */
    public String keyName() {
        return selector + "._domainkey." + domain;
    }

    /**
     * §5.1.1: what a seal signs. {@code sets} are the ARC fields in instance order, each set as
     * AAR, AMS, AS, the seal being made or checked last, with its {@code b=} emptied; all relaxed,
     * and the last without its CRLF, as a DKIM signature field is hashed (RFC 6376 §3.7).
     */
    static byte[] signedData(List<String> fields) {
        StringBuilder data = new StringBuilder();
        for (String f : fields) data.append(Canonicalization.RELAXED.header(f));
        data.setLength(data.length() - 2);
        return data.toString().getBytes(StandardCharsets.ISO_8859_1);
    }
}
