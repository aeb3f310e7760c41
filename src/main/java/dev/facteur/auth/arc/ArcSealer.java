package dev.facteur.auth.arc;

import dev.facteur.auth.AuthenticationResults;
import dev.facteur.auth.dkim.BodyHash;
import dev.facteur.auth.dkim.Canonicalization;
import dev.facteur.auth.dkim.DkimAlgorithm;
import dev.facteur.auth.dkim.HeaderHash;
import dev.facteur.auth.dkim.SignatureWriter;
import dev.facteur.auth.dkim.SigningKey;
import dev.facteur.message.HeaderSection;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Adds our ARC set to a message we forward (RFC 8617 §5.1): an ARC-Authentication-Results with
 * what we found, an ARC-Message-Signature over the message as we send it, and an ARC-Seal over
 * the chain, each numbered one above the newest set found. The message is read once: its header
 * section whole (up to a bound), its body streamed through the body hash.
 *
 * <p>Seals are rsa-sha256, relaxed/relaxed: RFC 8617 names no other algorithm for ARC, and
 * receivers such as dkimpy refuse Ed25519 seals.
 */
public final class ArcSealer {

    /** What sealing did. */
    public sealed interface Sealing {
        /**
         * @param fields ARC-Seal, ARC-Message-Signature, ARC-Authentication-Results, each folded
         *               and ending in CRLF: to be put above the message in this order, newest set on top
         */
        record Sealed(List<String> fields, int instance, ChainValidationStatus cv) implements Sealing {
            public Sealed {
                fields = List.copyOf(fields);
            }
        }

        /** The message is better sent without a new set, for this reason. */
        record NotSealed(String reason) implements Sealing {}
    }

    /**
     * The fields the message signature signs by default, each as often as the message has it:
     * those DKIM signs, and the DKIM signatures themselves (RFC 8617 §4.1.2 asks for them, so a
     * later receiver can tell whether they broke before or after us).
     */
    public static final List<String> SIGNED = Stream.of(SignatureWriter.Settings.OVERSIGNED, SignatureWriter.Settings.SIGNED,
            List.of("dkim-signature")).flatMap(List::stream).distinct().toList();

    /** A header section longer than this is not sealed: it is not mail a person wrote. */
    static final int MAX_HEADER = 1 << 20;

    private final SigningKey key;
    private final String authservId;
    private final Clock clock;
    private final List<String> signedHeaders;

    public ArcSealer(SigningKey key, String authservId, Clock clock) {
        this(key, authservId, clock, SIGNED);
    }

    /**
     * @param signedHeaders the names the message signature's {@code h=} may list, in this order;
     *                      each is listed once for every field of that name the message has
     */
    public ArcSealer(SigningKey key, String authservId, Clock clock, List<String> signedHeaders) {
        if (!key.key().algorithm().equals("rsa-sha256"))
            throw new IllegalArgumentException("ARC seals with rsa-sha256 only (RFC 8617 §4.1.3); " + key.key().algorithm() + " is not accepted by receivers");
        this.signedHeaders = signedHeaders.stream().map(n -> n.strip().toLowerCase(Locale.ROOT)).distinct().toList();
        if (this.signedHeaders.contains(ArcSeal.FIELD_NAME))
            throw new IllegalArgumentException("the message signature must not sign ARC-Seal (RFC 8617 §4.1.2)");
        this.key = key;
        this.authservId = authservId;
        this.clock = clock;
    }

    /**
     * Seals {@code message} (CRLF line ends, as stored, without our set yet).
     *
     * @param chain   what {@link ArcVerifier} found on this very message
     * @param resinfo our RFC 8601 method results for the message ({@code spf=pass smtp.mailfrom=...});
     *                the chain's own ({@link ArcResult#methodResult}) is added first when none is an {@code arc=} result
     * @throws IllegalArgumentException when {@code chain} does not describe this message's chain
     */
    public Sealing seal(InputStream message, ArcResult chain, List<String> resinfo) throws IOException, GeneralSecurityException {
        InputStream in = message instanceof BufferedInputStream ? message : new BufferedInputStream(message);
        String section = HeaderSection.read(in, MAX_HEADER);
        if (section.length() >= MAX_HEADER && !section.endsWith("\r\n\r\n") && in.read() >= 0)
            return new Sealing.NotSealed("header section longer than " + MAX_HEADER + " bytes");
        List<String> fields = HeaderSection.fields(section);
        ArcChain.Reading found = ArcChain.read(fields);

        int instance;
        ChainValidationStatus cv;
        List<String> earlierSets = new ArrayList<>(); // what the seal signs besides our set
        switch (chain) {
            case ArcResult.None none -> {
                if (!(found instanceof ArcChain.Reading.Absent)) throw new IllegalArgumentException("arc=none, but the message carries ARC fields");
                instance = 1;
                cv = ChainValidationStatus.NONE;
            }
            case ArcResult.Pass pass -> {
                if (!(found instanceof ArcChain.Reading.Chain(List<ArcSet> sets)) || sets.size() != pass.instance())
                    throw new IllegalArgumentException("arc=pass with i=" + pass.instance() + ", but the message's chain is not that one");
                if (pass.instance() == ArcTags.MAX_INSTANCE)
                    return new Sealing.NotSealed("the chain has " + ArcTags.MAX_INSTANCE + " sets already, the most there may be (RFC 8617 §4.2.1)");
                instance = pass.instance() + 1;
                cv = ChainValidationStatus.PASS;
                for (ArcSet set : sets) earlierSets.addAll(set.fields());
            }
            case ArcResult.Fail fail -> {
                switch (fail.failure()) {
                    case MARKED_FAILED -> {
                        return new Sealing.NotSealed("a sealer before us found the chain failed (cv=fail): RFC 8617 §5.1 step 2 stops there");
                    }
                    case TEMPORARY -> {
                        return new Sealing.NotSealed("the chain could not be checked now (" + fail.reason()
                                + "); sealing it cv=fail would condemn it for every later hop");
                    }
                    case UNREADABLE -> {
                        return new Sealing.NotSealed("the chain could not be read: " + fail.reason());
                    }
                    case BROKEN -> {}
                }
                if (fail.highestInstance() >= ArcTags.MAX_INSTANCE)
                    return new Sealing.NotSealed("the failed chain reaches i=" + fail.highestInstance() + ": no instance is left to seal it with");
                instance = fail.highestInstance() + 1;
                cv = ChainValidationStatus.FAIL; // §5.1.2: and the seal covers our set alone
            }
        }

        BodyHash body = new BodyHash(Canonicalization.RELAXED, "SHA-256");
        in.transferTo(body);
        String bh = Base64.getEncoder().encodeToString(body.digest());
        long t = clock.instant().getEpochSecond();

        String results = resultsField(instance, chain, resinfo);
        List<String> signable = new ArrayList<>();
        signable.add(results); // §5.1 step 4: the AAR is added before the message signature is made
        signable.addAll(fields);
        List<String> names = signedNames(signable);
        String algorithm = "a=rsa-sha256";
        List<String> amsTail = List.of("bh=" + bh, "c=relaxed/relaxed", "d=" + key.domain(), "h=" + FieldWriter.names(names),
                "i=" + instance, "s=" + key.selector(), "t=" + t);
        String unsignedAms = withB("ARC-Message-Signature", algorithm, "", amsTail, false);
        String amsB = sign(HeaderHash.data(signable, names, Canonicalization.RELAXED, unsignedAms));
        // b= of the message signature stays on one line: the seal signs this field relaxed, where a fold
        // inside b= would count as a space, and the reference output (the ValiMail suite's) has none
        String ams = withB("ARC-Message-Signature", algorithm, amsB, amsTail, false) + "\r\n";

        List<String> sealTail = List.of("cv=" + cv, "d=" + key.domain(), "i=" + instance, "s=" + key.selector(), "t=" + t);
        List<String> scope = new ArrayList<>(earlierSets);
        scope.addAll(List.of(results, ams, withB("ARC-Seal", algorithm, "", sealTail, true)));
        String seal = withB("ARC-Seal", algorithm, sign(ArcSeal.signedData(scope)), sealTail, true) + "\r\n";
        return new Sealing.Sealed(List.of(seal, ams, results), instance, cv);
    }

    /** The field with its tags in alphabetical order, b= second, as signed (b empty) or as sent. */
    private static String withB(String name, String a, String b, List<String> rest, boolean foldB) {
        List<String> tags = new ArrayList<>();
        tags.add(a);
        tags.add("b=" + (foldB ? FieldWriter.base64(b) : b));
        tags.addAll(rest);
        return FieldWriter.field(name, tags);
    }

    /** §4.1.1: {@code i=N; authserv-id; results}, folded as our Authentication-Results field is. */
    private String resultsField(int instance, ArcResult chain, List<String> resinfo) {
        List<String> all = new ArrayList<>();
        if (resinfo.stream().noneMatch(r -> r.strip().toLowerCase(Locale.ROOT).startsWith("arc="))) all.add(chain.methodResult());
        all.addAll(resinfo);
        String ours = AuthenticationResults.field(authservId, all); // "Authentication-Results: " and the value
        return "ARC-Authentication-Results: i=" + instance + "; " + HeaderSection.value(ours).strip() + "\r\n";
    }

    /** The h= names: each configured name once for every field of that name, in the configured order. */
    private List<String> signedNames(List<String> fields) {
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (String f : fields) counts.merge(HeaderSection.name(f), 1, Integer::sum);
        List<String> names = new ArrayList<>();
        for (String n : signedHeaders) for (int i = 0; i < counts.getOrDefault(n, 0); i++) names.add(n);
        return names;
    }

    private String sign(byte[] data) throws GeneralSecurityException {
        return Base64.getEncoder().encodeToString(DkimAlgorithm.RSA_SHA256.sign(data, key.key().key()));
    }
}
