package dev.facteur.auth.dkim;

import dev.facteur.dns.DnsResolver;
import dev.facteur.message.HeaderSection;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
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
 * Checks every DKIM-Signature of a message (RFC 6376 §6.1, RFC 8301, RFC 8463), reading it once
 * from a stream of the message as stored (CRLF line ends, header section, empty line, body). The
 * header section is read whole, up to a bound; the body is never held: it streams through one
 * body hash for each distinct canonicalization and {@code l=} among the signatures, while the keys
 * are fetched from DNS, all at once, on virtual threads.
 *
 * <p>Checks follow the RFC's order (§6.1.1 signature, §6.1.2 key, §6.1.3 body hash then
 * signature), and the first that does not hold is the cause. Results come in the order of the
 * signatures in the message, top (newest) first.
 */
public final class DkimVerifier {

    /**
     * How much one message may cost.
     *
     * @param maxSignatures    signatures checked per message; the others are reported unchecked (RFC 6376 §6.1 allows a limit)
     * @param maxHeaderBytes   the largest header section read; a larger one is not verified at all
     * @param keyLookupTimeout how long all of a message's key lookups may take together
     * @param acceptBodyLength whether a signature with {@code l=} is checked (and its unsigned tail noted) or refused by policy
     */
    public record Limits(int maxSignatures, int maxHeaderBytes, Duration keyLookupTimeout, boolean acceptBodyLength) {
        public static final Limits DEFAULT = new Limits(10, 1024 * 1024, Duration.ofSeconds(20), true);

        public Limits {
            if (maxSignatures < 1) throw new IllegalArgumentException("maxSignatures must be at least 1");
            if (maxHeaderBytes < 1024) throw new IllegalArgumentException("maxHeaderBytes must be at least 1024");
            if (keyLookupTimeout.isNegative() || keyLookupTimeout.isZero()) throw new IllegalArgumentException("keyLookupTimeout must be positive");
        }

        public Limits withMaxSignatures(int n) {
            return new Limits(n, maxHeaderBytes, keyLookupTimeout, acceptBodyLength);
        }

        public Limits withMaxHeaderBytes(int n) {
            return new Limits(maxSignatures, n, keyLookupTimeout, acceptBodyLength);
        }

        public Limits withKeyLookupTimeout(Duration d) {
            return new Limits(maxSignatures, maxHeaderBytes, d, acceptBodyLength);
        }

        public Limits withAcceptBodyLength(boolean accept) {
            return new Limits(maxSignatures, maxHeaderBytes, keyLookupTimeout, accept);
        }
    }

    /** RFC 5322 §3.6: the fields a message has at most one of. */
    private static final List<String> SINGLETONS = List.of("from", "sender", "reply-to", "to", "cc", "bcc", "message-id",
            "in-reply-to", "references", "subject", "date");

    private final DnsResolver dns;
    private final Clock clock;
    private final Limits limits;

    public DkimVerifier(DnsResolver dns, Clock clock) {
        this(dns, clock, Limits.DEFAULT);
    }

    public DkimVerifier(DnsResolver dns, Clock clock, Limits limits) {
        this.dns = dns;
        this.clock = clock;
        this.limits = limits;
    }

    /** One body hash the message's signatures need: signatures that agree on these share it. */
    private record BodyHashKey(Canonicalization canonicalization, long limit) {}

    /** A signature that read and is waiting for its key and its body hash. */
    private record Pending(int index, DkimSignature signature, SignatureFacts facts, BodyHashKey bodyHash) {}

    /**
     * The results for the message's signatures, top first; none when it has none. Reads
     * {@code message} up to its end, or only its header section when no signature needs the body.
     */
    public List<DkimResult> verify(InputStream message) throws IOException {
        InputStream in = message instanceof BufferedInputStream ? message : new BufferedInputStream(message);
        String section = readHeaderSection(in);
        if (section == null)
            return List.of(new DkimResult.PermError(SignatureFacts.NONE,
                    "header section longer than " + limits.maxHeaderBytes() + " bytes: not verified"));
        List<String> fields = HeaderSection.fields(section);
        List<Integer> positions = new ArrayList<>();
        for (int i = 0; i < fields.size(); i++) if (HeaderSection.name(fields.get(i)).equals(DkimSignature.FIELD_NAME)) positions.add(i);
        if (positions.isEmpty()) return List.of();

        DkimResult[] results = new DkimResult[positions.size()];
        List<Pending> pending = new ArrayList<>();
        Instant now = clock.instant();
        for (int n = 0; n < positions.size(); n++) {
            String field = fields.get(positions.get(n));
            if (n >= limits.maxSignatures()) {
                results[n] = new DkimResult.Neutral(SignatureFacts.guess(field), "not checked: only the first " + limits.maxSignatures()
                        + " signatures of a message are (RFC 6376 §6.1)");
                continue;
            }
            DkimSignature signature;
            try {
                signature = DkimSignature.parse(field);
            } catch (PermFail e) {
                results[n] = new DkimResult.PermError(SignatureFacts.guess(field), e.getMessage());
                continue;
            }
            SignatureFacts facts = SignatureFacts.of(signature);
            if (signature.expiration().isPresent() && signature.expiration().get().isBefore(now)) {
                results[n] = new DkimResult.PermError(facts, "signature expired at x=" + signature.expiration().get());
            } else if (signature.bodyLength().isPresent() && !limits.acceptBodyLength()) {
                results[n] = new DkimResult.Policy(facts, "l= signs only part of the body, and this verifier refuses that (RFC 6376 §8.2)");
            } else {
                var key = new BodyHashKey(signature.bodyCanonicalization(), signature.bodyLength().orElse(Long.MAX_VALUE));
                pending.add(new Pending(n, signature, facts, key));
            }
        }
        if (!pending.isEmpty()) finish(pending, fields, positions, in, results);
        List<String> bs = positions.stream().map(i -> SignatureFacts.bOf(fields.get(i))).toList();
        List<DkimResult> out = new ArrayList<>();
        for (int n = 0; n < results.length; n++) out.add(results[n].withSignature(results[n].signature().withHeaderB(headerB(bs, n))));
        return out;
    }

    private void finish(List<Pending> pending, List<String> fields, List<Integer> positions, InputStream body, DkimResult[] results)
            throws IOException {
        ExecutorService lookups = Executors.newVirtualThreadPerTaskExecutor();
        try {
            Map<String, Future<KeyQuery.Answer>> keys = new HashMap<>();
            for (Pending p : pending) {
                DkimSignature s = p.signature();
                keys.computeIfAbsent(s.keyName(), name -> lookups.submit(() -> KeyQuery.fetch(dns, s.selector(), s.domain())));
            }
            Map<BodyHashKey, BodyHash> hashes = new LinkedHashMap<>();
            for (Pending p : pending) hashes.computeIfAbsent(p.bodyHash(), k -> new BodyHash(k.canonicalization(), "SHA-256", k.limit()));
            body.transferTo(fanOut(hashes.values()));
            Map<BodyHashKey, byte[]> digests = new HashMap<>();
            hashes.forEach((k, h) -> digests.put(k, h.digest()));

            long deadline = System.nanoTime() + limits.keyLookupTimeout().toNanos();
            for (Pending p : pending) {
                KeyQuery.Answer answer = await(keys.get(p.signature().keyName()), deadline, p.signature().keyName());
                BodyHash hash = hashes.get(p.bodyHash());
                List<String> others = new ArrayList<>(fields);
                others.remove((int) positions.get(p.index())); // §3.7: a signature never signs itself as one of h=
                results[p.index()] = check(p, answer, digests.get(p.bodyHash()), hash.canonicalLength(), others);
            }
        } finally {
            lookups.shutdownNow(); // lookups still waiting are abandoned: their results are temperrors already
        }
    }

    /** §6.1.2, §6.1.3: the key, then the body hash, then the signature. */
    private static DkimResult check(Pending p, KeyQuery.Answer answer, byte[] bodyHash, long bodyLength, List<String> fields) {
        DkimSignature s = p.signature();
        SignatureFacts facts = p.facts();
        KeyRecord key;
        switch (answer) {
            case KeyQuery.Answer.TempFail(String reason) -> {
                return new DkimResult.TempError(facts, reason);
            }
            case KeyQuery.Answer.Unusable(String reason) -> {
                return new DkimResult.PermError(facts, reason);
            }
            case KeyQuery.Answer.Found(KeyRecord record) -> key = record;
        }
        facts = facts.withKey(key);
        try {
            key.checkUsable(s.algorithm(), s.domain(), s.identityDomain());
        } catch (PermFail e) {
            return new DkimResult.PermError(facts, e.getMessage());
        }
        String testing = key.testing() ? "; the key is in testing mode (t=y)" : "";
        if (s.bodyLength().isPresent()) {
            long l = s.bodyLength().getAsLong();
            if (l > bodyLength) return new DkimResult.Fail(facts, "l=" + l + " is longer than the body (" + bodyLength + " octets canonicalized)");
            facts = facts.withUnsignedBodyOctets(bodyLength - l);
        }
        if (!MessageDigest.isEqual(bodyHash, s.bh())) return new DkimResult.Fail(facts, "body hash did not verify" + testing);
        byte[] data = HeaderHash.data(fields, s.signedHeaders(), s.headerCanonicalization(), HeaderHash.withEmptyB(s.field()));
        boolean verified;
        try {
            verified = s.algorithm().verify(data, s.b(), key.key().orElseThrow());
        } catch (GeneralSecurityException e) {
            return new DkimResult.PermError(facts, "key cannot check the signature: " + e.getMessage());
        }
        if (!verified) return new DkimResult.Fail(facts, "signature did not verify" + testing);
        String unsigned = unsignedSingleton(s.signedHeaders(), fields);
        if (unsigned != null) return new DkimResult.Policy(facts, unsigned);
        String partial = facts.partiallySigned() ? "; " + facts.unsignedBodyOctets() + " octets of the body after l=" + s.bodyLength().getAsLong()
                + " are not signed" : "";
        return new DkimResult.Pass(facts, "signature verified" + partial + testing);
    }

    /**
     * RFC 6376 §8.15: a field RFC 5322 §3.6 allows once, signed once but present twice, may be an
     * addition the signature does not cover, and a reader may see the added one (a second From:
     * above the signed one, for one). Such a signature verifies, but vouches for less than the
     * message shows, so it is not accepted. Over-signing ({@code h=from:from}) makes the addition
     * break the signature instead.
     */
    private static String unsignedSingleton(List<String> signed, List<String> fields) {
        for (String name : SINGLETONS) {
            long inH = signed.stream().filter(name::equals).count();
            if (inH == 0) continue;
            long present = fields.stream().filter(f -> HeaderSection.name(f).equals(name)).count();
            if (present > inH)
                return "the message has " + present + " " + name + " fields and h= signs " + inH
                        + ": the unsigned one may have been added (RFC 6376 §8.15)";
        }
        return null;
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

    /**
     * The header section, the last field's CRLF included and the empty line that ends it not; the
     * whole message when it has no empty line; null when longer than the limit.
     */
    private String readHeaderSection(InputStream in) throws IOException {
        ByteArrayOutputStream section = new ByteArrayOutputStream();
        int last4 = 0; // the last four bytes read, one per octet of the int
        for (int b = in.read(); b >= 0; b = in.read()) {
            if (section.size() >= limits.maxHeaderBytes()) return null;
            section.write(b);
            last4 = last4 << 8 | b;
            if (section.size() == 2 && (last4 & 0xFFFF) == 0x0D0A) return ""; // no header fields at all
            if (last4 == 0x0D0A0D0A) {
                byte[] bytes = section.toByteArray();
                return new String(bytes, 0, bytes.length - 2, StandardCharsets.ISO_8859_1);
            }
        }
        return section.toString(StandardCharsets.ISO_8859_1);
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

    /** RFC 6008 §4: header.b grows past its eight characters until no other signature of the message starts the same. */
    private static String headerB(List<String> bs, int n) {
        String b = bs.get(n);
        int length = Math.min(SignatureFacts.HEADER_B_LENGTH, b.length());
        for (int other = 0; other < bs.size(); other++) {
            if (other == n || bs.get(other).equals(b)) continue; // the same signature twice cannot be told apart
            while (length < b.length() && bs.get(other).startsWith(b.substring(0, length))) length++;
        }
        return b.substring(0, length);
    }
}
