package dev.facteur.auth.arc;

import dev.facteur.auth.dkim.BodyHash;
import dev.facteur.auth.dkim.Canonicalization;
import dev.facteur.auth.dkim.DkimAlgorithm;
import dev.facteur.auth.dkim.HeaderHash;
import dev.facteur.auth.dkim.KeyQuery;
import dev.facteur.auth.dkim.KeyRecord;
import dev.facteur.auth.dkim.PermFail;
import dev.facteur.dns.DnsResolver;
import dev.facteur.message.HeaderSection;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.GeneralSecurityException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Validates a message's Authenticated Received Chain (RFC 8617 §5.2), reading the message once
 * from a stream as stored (CRLF line ends). The header section is read whole, up to a bound; the
 * body streams through one body hash per distinct canonicalization among the message signatures
 * while every key the chain names is fetched, all at once, on virtual threads.
 *
 * <p>The steps and their order are the RFC's: the structure (steps 1 to 3), the newest message
 * signature (4), how far back the message signatures still verify (5: {@code oldest-pass}), then
 * every seal, newest first (6). The first step that does not hold is the reason of the failure.
 */
public final class ArcVerifier {

    /**
     * How much one message may cost.
     *
     * @param maxHeaderBytes   the largest header section read; a larger one fails unread
     * @param keyLookupTimeout how long all of a message's key lookups may take together
     */
    public record Limits(int maxHeaderBytes, Duration keyLookupTimeout) {
        public static final Limits DEFAULT = new Limits(1024 * 1024, Duration.ofSeconds(20));

        public Limits {
            if (maxHeaderBytes < 1024) throw new IllegalArgumentException("maxHeaderBytes must be at least 1024");
            if (keyLookupTimeout.isNegative() || keyLookupTimeout.isZero()) throw new IllegalArgumentException("keyLookupTimeout must be positive");
        }
    }

    /** One body hash the message signatures need: those that agree on these share it. */
    private record BodyHashKey(Canonicalization canonicalization, long limit) {}

    private final DnsResolver dns;
    private final Clock clock;
    private final Limits limits;

    public ArcVerifier(DnsResolver dns, Clock clock) {
        this(dns, clock, Limits.DEFAULT);
    }

    public ArcVerifier(DnsResolver dns, Clock clock, Limits limits) {
        this.dns = dns;
        this.clock = clock;
        this.limits = limits;
    }

    /** The chain's status. Reads {@code message} to its end, or only its header section when the chain fails on structure. */
    public ArcResult verify(InputStream message) throws IOException {
        InputStream in = message instanceof BufferedInputStream ? message : new BufferedInputStream(message);
        String section = HeaderSection.read(in, limits.maxHeaderBytes());
        if (section.length() >= limits.maxHeaderBytes() && !section.endsWith("\r\n\r\n") && in.read() >= 0)
            return new ArcResult.Fail("header section longer than " + limits.maxHeaderBytes() + " bytes: not read", 0,
                    ArcResult.Failure.UNREADABLE);
        List<String> fields = HeaderSection.fields(section);
        return switch (ArcChain.read(fields)) {
            case ArcChain.Reading.Absent() -> new ArcResult.None();
            case ArcChain.Reading.Broken(String reason, int highest, boolean marked) ->
                    new ArcResult.Fail(reason, highest, marked ? ArcResult.Failure.MARKED_FAILED : ArcResult.Failure.BROKEN);
            case ArcChain.Reading.Chain(List<ArcSet> sets) -> validate(sets, fields, in);
        };
    }

    /** §5.2 steps 4 to 7, on a chain whose structure holds. */
    private ArcResult validate(List<ArcSet> sets, List<String> fields, InputStream body) throws IOException {
        int n = sets.size();
        ArcMessageSignature newest;
        try {
            newest = ArcMessageSignature.parse(sets.getLast().messageSignature());
        } catch (PermFail e) {
            return new ArcResult.Fail(e.getMessage(), n, ArcResult.Failure.BROKEN);
        }
        List<ArcMessageSignature> signatures = new ArrayList<>(); // newest first, as far as they read
        signatures.add(newest);
        for (int i = n - 1; i >= 1; i--) {
            try {
                signatures.add(ArcMessageSignature.parse(sets.get(i - 1).messageSignature()));
            } catch (PermFail e) {
                break; // oldest-pass stops at a signature that does not read
            }
        }

        ExecutorService lookups = Executors.newVirtualThreadPerTaskExecutor();
        try {
            Map<String, Future<KeyQuery.Answer>> keys = new HashMap<>();
            for (ArcMessageSignature s : signatures)
                keys.computeIfAbsent(s.keyName(), name -> lookups.submit(() -> KeyQuery.fetch(dns, s.selector(), s.domain())));
            for (ArcSet set : sets) {
                ArcSeal s = set.seal();
                keys.computeIfAbsent(s.keyName(), name -> lookups.submit(() -> KeyQuery.fetch(dns, s.selector(), s.domain())));
            }
            Map<BodyHashKey, BodyHash> hashes = new LinkedHashMap<>();
            for (ArcMessageSignature s : signatures) {
                var key = new BodyHashKey(s.bodyCanonicalization(), s.bodyLength().orElse(Long.MAX_VALUE));
                hashes.computeIfAbsent(key, k -> new BodyHash(k.canonicalization(), "SHA-256", k.limit()));
            }
            body.transferTo(fanOut(hashes.values()));
            Map<BodyHashKey, byte[]> digests = new HashMap<>();
            Map<BodyHashKey, Long> lengths = new HashMap<>();
            hashes.forEach((k, h) -> {
                digests.put(k, h.digest());
                lengths.put(k, h.canonicalLength());
            });
            long deadline = System.nanoTime() + limits.keyLookupTimeout().toNanos();

            // step 4: the newest message signature must verify
            Check newestCheck = checkSignature(newest, fields, keys, digests, lengths, deadline);
            if (newestCheck instanceof Check.Failed(String reason, boolean temporary))
                return new ArcResult.Fail(reason, n, temporary ? ArcResult.Failure.TEMPORARY : ArcResult.Failure.BROKEN);

            // step 5: how far back the message is as each sealer signed it
            int oldestPass = n;
            for (ArcMessageSignature s : signatures.subList(1, signatures.size())) {
                if (!(checkSignature(s, fields, keys, digests, lengths, deadline) instanceof Check.Verified)) break;
                oldestPass = s.instance();
            }
            if (oldestPass == 1) oldestPass = 0;

            // step 6: every seal, newest first
            List<Check> seals = checkSeals(sets, keys, deadline);
            for (int i = n; i >= 1; i--) {
                if (seals.get(i - 1) instanceof Check.Failed(String reason, boolean temporary))
                    return new ArcResult.Fail(reason, n, temporary ? ArcResult.Failure.TEMPORARY : ArcResult.Failure.BROKEN);
            }
            List<ArcResult.Hop> hops = new ArrayList<>();
            for (ArcSet set : sets) hops.add(hop(set));
            return new ArcResult.Pass(hops, oldestPass);
        } finally {
            lookups.shutdownNow(); // lookups still waiting are abandoned: they count as temporary failures already
        }
    }

    /** Whether one signature held. */
    private sealed interface Check {
        record Verified() implements Check {}

        record Failed(String reason, boolean temporary) implements Check {}
    }

    /** RFC 6376 §6.1.2, §6.1.3 as RFC 8617 §5.2 step 4 imports them: the key, the body hash, then the signature. */
    private Check checkSignature(ArcMessageSignature s, List<String> fields, Map<String, Future<KeyQuery.Answer>> keys,
            Map<BodyHashKey, byte[]> digests, Map<BodyHashKey, Long> lengths, long deadline) {
        String who = "AMS i=" + s.instance() + " (d=" + s.domain() + ")";
        if (s.expiration().isPresent() && s.expiration().get().isBefore(clock.instant()))
            return new Check.Failed(who + " expired at x=" + s.expiration().get(), false);
        KeyFor found = keyFor(who, keys.get(s.keyName()), deadline, s.keyName(), s.algorithm(), s.domain());
        if (found.failure() != null) return found.failure();
        KeyRecord key = found.key();
        var bodyKey = new BodyHashKey(s.bodyCanonicalization(), s.bodyLength().orElse(Long.MAX_VALUE));
        if (s.bodyLength().isPresent() && s.bodyLength().getAsLong() > lengths.get(bodyKey))
            return new Check.Failed(who + ": l=" + s.bodyLength().getAsLong() + " is longer than the body", false);
        if (!MessageDigest.isEqual(digests.get(bodyKey), s.bh())) return new Check.Failed(who + ": body hash did not verify", false);
        List<String> others = new ArrayList<>(fields);
        others.remove(s.field()); // a signature never signs itself as one of h= (RFC 6376 §3.7)
        byte[] data = HeaderHash.data(others, s.signedHeaders(), s.headerCanonicalization(), HeaderHash.withEmptyB(s.field()));
        return verified(s.algorithm(), data, s.b(), key, who);
    }

    /**
     * §5.2 step 6 with §5.1.1: each seal over the sets 1 to its own, instance 1 first. Each field
     * is canonicalized once: seal i signs what seal i-1 signed and three fields more, so a chain of
     * fifty costs fifty canonicalized sets rather than twelve hundred.
     */
    private static List<Check> checkSeals(List<ArcSet> sets, Map<String, Future<KeyQuery.Answer>> keys, long deadline) {
        List<Check> checks = new ArrayList<>();
        StringBuilder earlier = new StringBuilder(); // the sets below the one checked, canonicalized
        for (ArcSet set : sets) {
            ArcSeal seal = set.seal();
            String results = Canonicalization.RELAXED.header(set.results().field());
            String signature = Canonicalization.RELAXED.header(set.messageSignature());
            String own = Canonicalization.RELAXED.header(HeaderHash.withEmptyB(seal.field()));
            String data = earlier + results + signature + own.substring(0, own.length() - 2); // the seal itself without its CRLF
            checks.add(checkSeal(seal, data.getBytes(StandardCharsets.ISO_8859_1), keys, deadline));
            earlier.append(results).append(signature).append(Canonicalization.RELAXED.header(seal.field()));
        }
        return checks;
    }

    private static Check checkSeal(ArcSeal seal, byte[] data, Map<String, Future<KeyQuery.Answer>> keys, long deadline) {
        String who = "AS i=" + seal.instance() + " (d=" + seal.domain() + ")";
        KeyFor found = keyFor(who, keys.get(seal.keyName()), deadline, seal.keyName(), seal.algorithm(), seal.domain());
        if (found.failure() != null) return found.failure();
        return verified(seal.algorithm(), data, seal.b(), found.key(), who);
    }

    /** The key that checks {@code who}, usable for its algorithm at its domain; or the failure that ends its check. */
    private record KeyFor(KeyRecord key, Check.Failed failure) {}

    private static KeyFor keyFor(String who, Future<KeyQuery.Answer> lookup, long deadline, String name, DkimAlgorithm algorithm,
            String domain) {
        return switch (await(lookup, deadline, name)) {
            case KeyQuery.Answer.TempFail(String reason) -> new KeyFor(null, new Check.Failed(who + ": " + reason, true));
            case KeyQuery.Answer.Unusable(String reason) -> new KeyFor(null, new Check.Failed(who + ": " + reason, false));
            case KeyQuery.Answer.Found(KeyRecord record) -> {
                try {
                    record.checkUsable(algorithm, domain, domain);
                    yield new KeyFor(record, null);
                } catch (PermFail e) {
                    yield new KeyFor(null, new Check.Failed(who + ": " + e.getMessage(), false));
                }
            }
        };
    }

    private static Check verified(DkimAlgorithm algorithm, byte[] data, byte[] b, KeyRecord key, String who) {
        try {
            return algorithm.verify(data, b, key.key().orElseThrow()) ? new Check.Verified()
                    : new Check.Failed(who + ": signature did not verify", false);
        } catch (GeneralSecurityException e) {
            return new Check.Failed(who + ": the key cannot check the signature: " + e.getMessage(), false);
        }
    }

    private static ArcResult.Hop hop(ArcSet set) {
        String signer;
        try {
            signer = ArcMessageSignature.parse(set.messageSignature()).domain();
        } catch (PermFail e) {
            signer = "";
        }
        return new ArcResult.Hop(set.instance(), set.seal().domain(), set.seal().selector(), signer, set.results().authservId(),
                set.results().results());
    }

    private static KeyQuery.Answer await(Future<KeyQuery.Answer> lookup, long deadline, String name) {
        try {
            return lookup.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            lookup.cancel(true);
            return new KeyQuery.Answer.TempFail("key lookup of " + name + " did not finish in time");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new KeyQuery.Answer.TempFail("key lookup of " + name + " interrupted");
        } catch (ExecutionException e) {
            return new KeyQuery.Answer.TempFail("key lookup of " + name + " failed: " + e.getCause());
        }
    }

    private static OutputStream fanOut(Iterable<BodyHash> hashes) {
        return new OutputStream() {
            @Override
            public void write(int b) {
                for (BodyHash h : hashes) h.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                for (BodyHash h : hashes) h.write(b, off, len);
            }
        };
    }
}
