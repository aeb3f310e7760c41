package dev.facteur.bounce;

import dev.facteur.io.SecretLines;
import dev.facteur.message.AddressSyntax;
import dev.facteur.message.Mailbox;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.LocalDate;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The tokens of one-click unsubscribe links (RFC 8058): the last path segment of
 * {@code https://unsubscribe.example.com/u/TOKEN}, which names one recipient and the sender
 * domain whose mail they no longer want, signed so that nobody can unsubscribe someone else by
 * writing a URL (RFC 8058 §4: the URI carries everything, and SHOULD hold a hard-to-forge part).
 *
 * <p>A token is base64url without padding (RFC 4648 §5: letters, digits, {@code -} and
 * {@code _}, safe in a path) of
 * <pre>
 *   VERSION (1 octet, 1)  DAY (4 octets, days since 1970-01-01, UTC)  SENDER-DOMAIN  NUL  RECIPIENT  MAC (16 octets)
 * </pre>
 * where the sender domain is in lower case, the recipient is the address as
 * {@link AddressSyntax} writes it (its local part's case kept, UTF-8 as UTF-8), and MAC is the
 * first 128 bits of HMAC-SHA256 over everything before it, keyed with the signing secret (RFC 2104
 * §5 allows a MAC cut to half the hash). NUL occurs in no domain and no address, so the fields
 * cannot run into one another. The address is encoded, not encrypted: whoever sees the link sees
 * whom it is for, as whoever sees the message does.
 *
 * <p><b>Tokens do not expire.</b> The day is kept for the record (the event says when the link
 * was made), not checked: an unsubscribe link in a newsletter read a year later must still work,
 * and refusing it would leave the reader no way out but the spam button. A leaked link can do
 * no more than unsubscribe its own recipient from its own sender domain.
 *
 * <p>Secrets rotate as VERP's and SRS's do ({@link SecretLines}, one a line): the first signs,
 * every one verifies. Since links never expire, an old secret stays in the file for as long as
 * mail signed with it may still be read; a secret that leaked is removed, and its links are
 * then refused.
 *
 * <p>{@link #read} never throws for what a client sends: anything that is not a token we made
 * is {@link UnsubscribeToken.Malformed} or {@link UnsubscribeToken.Forged}, and the signature
 * is compared in constant time against every secret before the content is believed.
 */
public final class UnsubscribeLinks {

    /** Longer tokens are refused unread: ours are at most about 700 characters (a 254-octet recipient, a 255-octet domain). */
    public static final int MAX_TOKEN = 1024;

    private static final byte VERSION = 1;
    private static final int DAY_OCTETS = 4;
    private static final int MAC_OCTETS = 16;
    private static final int HEAD_OCTETS = 1 + DAY_OCTETS;
    private static final String ALGORITHM = "HmacSHA256";
    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder DECODER = Base64.getUrlDecoder();

    /** One keyed Mac per secret, never used itself: each MAC works on a clone (a Mac is not thread-safe). */
    private final List<Mac> keyed;
    private final Clock clock;

    private UnsubscribeLinks(List<byte[]> secrets, Clock clock) {
        if (secrets.isEmpty()) throw new IllegalArgumentException("unsubscribe links need at least one secret");
        for (byte[] s : secrets)
            if (s.length == 0) throw new IllegalArgumentException("an unsubscribe secret is empty"); // an empty key signs nothing
        this.keyed = secrets.stream().map(UnsubscribeLinks::keyed).toList();
        this.clock = clock;
    }

    /** Secrets given in code or tests, the signing one first. */
    public static UnsubscribeLinks of(Clock clock, String... secrets) {
        return new UnsubscribeLinks(Arrays.stream(secrets).map(s -> s.getBytes(StandardCharsets.UTF_8)).toList(), clock);
    }

    /** The secrets of {@code file} ({@link SecretLines}), made first when missing: one random secret, mode 0600. */
    public static UnsubscribeLinks readOrCreate(Path file, Clock clock) throws IOException {
        SecretLines.createIfMissing(file);
        List<byte[]> secrets = SecretLines.read(file);
        if (secrets.isEmpty()) throw new IOException(file + ": no unsubscribe secret in the file");
        return new UnsubscribeLinks(secrets, clock);
    }

    /** How many secrets verify; the first of them signs. */
    public int secrets() {
        return keyed.size();
    }

    /**
     * The token of {@code recipient}'s link to stop mail from {@code senderDomain}, dated today.
     *
     * @throws IllegalArgumentException for a recipient without a domain, or a sender domain that is no domain
     */
    public String token(Mailbox recipient, String senderDomain) {
        if (!recipient.hasDomain()) throw new IllegalArgumentException("a recipient without a domain: " + recipient);
        if (!AddressSyntax.isDomain(senderDomain, true)) throw new IllegalArgumentException("not a sender domain: " + senderDomain);
        var payload = new ByteArrayOutputStream(HEAD_OCTETS + 300 + MAC_OCTETS);
        payload.write(VERSION);
        payload.writeBytes(ByteBuffer.allocate(DAY_OCTETS).putInt((int) today()).array());
        payload.writeBytes(senderDomain.toLowerCase(Locale.ROOT).getBytes(StandardCharsets.UTF_8));
        payload.write(0);
        payload.writeBytes(recipient.toString().getBytes(StandardCharsets.UTF_8));
        byte[] signed = payload.toByteArray();
        payload.write(mac(keyed.getFirst(), signed, signed.length), 0, MAC_OCTETS);
        return ENCODER.encodeToString(payload.toByteArray());
    }

    /** What {@code token} says, if one of our secrets made it. Never throws for what a client sends. */
    public UnsubscribeToken read(String token) {
        if (token.isEmpty() || token.length() > MAX_TOKEN) return new UnsubscribeToken.Malformed("not 1 to " + MAX_TOKEN + " characters");
        byte[] bytes;
        try {
            bytes = DECODER.decode(token);
        } catch (IllegalArgumentException e) {
            return new UnsubscribeToken.Malformed("not base64url");
        }
        if (bytes.length < HEAD_OCTETS + 1 + 1 + MAC_OCTETS) return new UnsubscribeToken.Malformed("too short for a token");
        // Base64 leaves spare bits in a last character that the decoder ignores: a token is ours
        // only as we wrote it, so that no two strings are the same token.
        if (!ENCODER.encodeToString(bytes).equals(token)) return new UnsubscribeToken.Forged("not written as we write tokens");
        int signedLength = bytes.length - MAC_OCTETS;
        // The signature before anything else is believed, the version too: a changed octet anywhere is a forgery.
        if (!verifies(bytes, signedLength)) return new UnsubscribeToken.Forged("signed with none of the secrets");
        if (bytes[0] != VERSION) return new UnsubscribeToken.Malformed("version " + bytes[0]);
        long day = Integer.toUnsignedLong(ByteBuffer.wrap(bytes, 1, DAY_OCTETS).getInt());
        int nul = HEAD_OCTETS;
        while (nul < signedLength && bytes[nul] != 0) nul++;
        if (nul == signedLength) return new UnsubscribeToken.Malformed("no recipient after the sender domain");
        String domain = new String(bytes, HEAD_OCTETS, nul - HEAD_OCTETS, StandardCharsets.UTF_8);
        String address = new String(bytes, nul + 1, signedLength - nul - 1, StandardCharsets.UTF_8);
        Optional<Mailbox> recipient = AddressSyntax.tryParseMailbox(address, true).filter(Mailbox::hasDomain);
        if (recipient.isEmpty() || !AddressSyntax.isDomain(domain, true)) return new UnsubscribeToken.Malformed("not an address and a domain");
        return new UnsubscribeToken.Genuine(recipient.get(), domain, LocalDate.ofEpochDay(day));
    }

    private long today() {
        return Math.floorDiv(clock.instant().getEpochSecond(), 86_400);
    }

    private boolean verifies(byte[] token, int signedLength) {
        byte[] given = Arrays.copyOfRange(token, signedLength, token.length);
        boolean found = false;
        for (Mac key : keyed)
            found |= MessageDigest.isEqual(given, Arrays.copyOf(mac(key, token, signedLength), MAC_OCTETS));
        return found; // every secret tried: no early exit to time
    }

    private static byte[] mac(Mac key, byte[] input, int length) {
        try {
            Mac mac = (Mac) key.clone();
            mac.update(input, 0, length);
            return mac.doFinal();
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException("the JDK's " + ALGORITHM + " can be cloned", e);
        }
    }

    private static Mac keyed(byte[] secret) {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(new SecretKeySpec(secret, ALGORITHM));
            return mac;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("every JDK has " + ALGORITHM, e);
        }
    }

    @Override
    public String toString() {
        return "UnsubscribeLinks[" + keyed.size() + " secrets]"; // never the secrets themselves
    }
}
