package dev.facteur.bounce;

import dev.facteur.message.AddressSyntax;
import dev.facteur.message.Mailbox;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Variable envelope return paths (VERP), signed as BATV signs its tags: each recipient's copy goes
 * with a reverse-path of its own that names the recipient, so that a bounce says whom it is about
 * by the address it comes back to, whatever its content,
 * <pre>
 *   alice@example.org  →  bounce+123k7q2mx4a+alice=example.org@bounces.example.com
 * </pre>
 * The tag is the day the copy left (days since the epoch, modulo 1000, three digits) and eight
 * characters of base32 (RFC 4648 §6, lowercase): the first 40 bits of HMAC-SHA256, keyed with the
 * signing secret, over the day, the recipient and the return path's domain. A bounce to a tag
 * that none of the secrets made is refused, so nobody can suppress an address by sending us a
 * bounce for it; one older than the maximum age too (the day wraps every 1000 days, so an age is
 * counted back to the last time the day came round).
 *
 * <p>The recipient is written {@code LOCAL=DOMAIN} after the second {@code +}: the tag holds no
 * {@code +} and a domain no {@code =}, so a local part with either (or {@code @}, in quotes)
 * needs no escaping; the domain is what follows the last {@code =}. The local part is the
 * content of the recipient's (its quotes gone), and the whole is quoted when it must be (a
 * space, a quote...). UTF-8 addresses stay UTF-8: they go with SMTPUTF8 anyway. Mailers may
 * change the case of the local part on the way: the HMAC is over the address case folded, and
 * the tag is read in either case. A recipient too long for 64 octets with the tag is
 * {@link VerpEncoded.TooLong}: no VERP for that copy (a token in its place would need a table to
 * read it back, and the DSN names the recipient anyway).
 */
public final class Verp {

    /** How long a bounce may take to come back: our retries (5 days by default), the remote's, and slack. */
    public static final Duration DEFAULT_MAX_AGE = Duration.ofDays(14);

    /** The local part's first word unless another is given. */
    public static final String DEFAULT_PREFIX = "bounce";

    static final int DAYS = 1000;
    private static final int HASH_CHARACTERS = 8;
    private static final String BASE32 = "abcdefghijklmnopqrstuvwxyz234567";
    private static final String ALGORITHM = "HmacSHA256";
    private static final long SECONDS_A_DAY = 86_400;

    /** One keyed Mac per secret, never used itself: each hash works on a clone (a Mac is not thread-safe). */
    private final List<Mac> keyed;
    private final String prefix;
    private final Clock clock;
    private final int maxAgeDays;

    /**
     * @param secrets the first signs, all verify
     * @param prefix  the local part's first word: letters, digits, {@code -} and {@code _}
     * @param maxAge  whole days, 1 to 999
     */
    public Verp(VerpSecrets secrets, String prefix, Clock clock, Duration maxAge) {
        if (!prefix.matches("[A-Za-z0-9_-]+")) throw new IllegalArgumentException("a VERP prefix of letters, digits, - and _: " + prefix);
        long days = maxAge.toDays();
        if (!maxAge.equals(Duration.ofDays(days)) || days < 1 || days >= DAYS)
            throw new IllegalArgumentException("VERP maximum age must be 1 to " + (DAYS - 1) + " whole days: " + maxAge);
        this.keyed = secrets.keys().stream().map(Verp::keyed).toList();
        this.prefix = prefix;
        this.clock = clock;
        this.maxAgeDays = (int) days;
    }

    public Verp(VerpSecrets secrets, Clock clock) {
        this(secrets, DEFAULT_PREFIX, clock, DEFAULT_MAX_AGE);
    }

    /** The reverse-path for {@code recipient}'s copy, in {@code returnDomain} (which must route its mail to us). */
    public VerpEncoded encode(Mailbox recipient, String returnDomain) {
        if (!recipient.hasDomain()) throw new IllegalArgumentException("a recipient without a domain: " + recipient);
        if (!AddressSyntax.isDomain(returnDomain, true)) throw new IllegalArgumentException("not a domain: " + returnDomain);
        int day = today();
        String local = content(recipient.localPart());
        String tag = "%03d".formatted(day) + hash(keyed.getFirst(), day, local, recipient.domain(), returnDomain);
        String content = prefix + "+" + tag + "+" + local + "=" + recipient.domain();
        return mailbox(content, returnDomain).<VerpEncoded>map(VerpEncoded.Tagged::new)
                .orElseGet(() -> new VerpEncoded.TooLong(recipient, written(content).getBytes(StandardCharsets.UTF_8).length));
    }

    /** Whom a bounce to {@code address} is about, if it is a VERP address of ours. Never throws for what a peer sends. */
    public VerpDecoded decode(Mailbox address) {
        String content = content(address.localPart());
        if (!content.regionMatches(true, 0, prefix + "+", 0, prefix.length() + 1)) return new VerpDecoded.NotVerp();
        String rest = content.substring(prefix.length() + 1);
        int plus = rest.indexOf('+');
        if (plus < 0) return new VerpDecoded.Malformed("no + after the tag");
        String tag = rest.substring(0, plus).toLowerCase(Locale.ROOT);
        if (tag.length() != 3 + HASH_CHARACTERS || !tag.substring(0, 3).chars().allMatch(c -> c >= '0' && c <= '9')
                || !tag.substring(3).chars().allMatch(c -> BASE32.indexOf(c) >= 0))
            return new VerpDecoded.Malformed("not a tag: " + tag);
        String recipient = rest.substring(plus + 1);
        int eq = recipient.lastIndexOf('=');
        if (eq <= 0) return new VerpDecoded.Malformed("no LOCAL=DOMAIN after the tag");
        String local = recipient.substring(0, eq);
        String domain = recipient.substring(eq + 1);
        Optional<Mailbox> decoded = mailbox(local, domain);
        if (decoded.isEmpty()) return new VerpDecoded.Malformed("LOCAL=DOMAIN is not an address");
        int day = Integer.parseInt(tag, 0, 3, 10);
        // The hash before the age: an address both made up and old is told as made up.
        if (!verifies(tag.substring(3), day, local, domain, address.domain()))
            return new VerpDecoded.Forged("the tag was made with none of the secrets for this recipient and domain");
        int age = Math.floorMod(today() - day, DAYS);
        if (age > maxAgeDays) return new VerpDecoded.Expired(age, maxAgeDays);
        return new VerpDecoded.Recipient(decoded.get(), age);
    }

    private int today() {
        return Math.floorMod(Math.floorDiv(clock.instant().getEpochSecond(), SECONDS_A_DAY), DAYS);
    }

    private boolean verifies(String hash, int day, String local, String domain, String returnDomain) {
        byte[] given = hash.getBytes(StandardCharsets.US_ASCII);
        boolean found = false;
        for (Mac key : keyed)
            found |= MessageDigest.isEqual(given, hash(key, day, local, domain, returnDomain).getBytes(StandardCharsets.US_ASCII));
        return found; // every secret tried: no early exit to time
    }

    /**
     * The first 40 bits of HMAC-SHA256 over {@code DAY NUL LOCAL@DOMAIN NUL RETURN-DOMAIN}, case
     * folded, in base32. NUL occurs in no address: no two inputs run together into one.
     */
    private static String hash(Mac key, int day, String local, String domain, String returnDomain) {
        Mac mac;
        try {
            mac = (Mac) key.clone();
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException("the JDK's " + ALGORITHM + " can be cloned", e);
        }
        String input = "%03d".formatted(day) + "\0" + (local + "@" + domain).toLowerCase(Locale.ROOT) + "\0"
                + returnDomain.toLowerCase(Locale.ROOT);
        byte[] h = mac.doFinal(input.getBytes(StandardCharsets.UTF_8));
        long bits = 0;
        for (int i = 0; i < 5; i++) bits = bits << 8 | (h[i] & 0xff);
        StringBuilder out = new StringBuilder(HASH_CHARACTERS);
        for (int i = HASH_CHARACTERS - 1; i >= 0; i--) out.append(BASE32.charAt((int) (bits >> (5 * i)) & 31));
        return out.toString();
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

    /** The content of a local part in its canonical form: without the quotes and backslashes of a quoted one. */
    static String content(String localPart) {
        if (localPart.length() < 2 || !localPart.startsWith("\"") || !localPart.endsWith("\"")) return localPart;
        StringBuilder out = new StringBuilder(localPart.length());
        for (int i = 1; i < localPart.length() - 1; i++) {
            char c = localPart.charAt(i);
            if (c == '\\' && i + 1 < localPart.length() - 1) c = localPart.charAt(++i);
            out.append(c);
        }
        return out.toString();
    }

    /**
     * The mailbox whose local part carries {@code content}, in AddressSyntax's canonical form;
     * empty when there is none: too long for RFC 5321's limits, or a domain that is no domain.
     */
    static Optional<Mailbox> mailbox(String content, String domain) {
        return AddressSyntax.tryParseMailbox(written(content) + "@" + domain, true).filter(m -> content(m.localPart()).equals(content));
    }

    /**
     * The local part that carries {@code content}: itself when it is a dot-atom (RFC 5321 §4.1.2
     * asks not to quote what needs no quotes; UTF-8 is atext with SMTPUTF8, RFC 6531 §3.3), else a
     * quoted string with a backslash before {@code "} and {@code \} only.
     */
    static String written(String content) {
        boolean atomStart = true, dotAtom = true;
        for (int i = 0; i < content.length() && dotAtom; i++) {
            char c = content.charAt(i);
            if (c == '.') {
                dotAtom = !atomStart;
                atomStart = true;
            } else {
                dotAtom = c >= 0x80 || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                        || "!#$%&'*+-/=?^_`{|}~".indexOf(c) >= 0;
                atomStart = false;
            }
        }
        if (dotAtom && !atomStart) return content;
        return "\"" + content.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    @Override
    public String toString() {
        return "Verp[" + prefix + ", max age " + maxAgeDays + " days]";
    }
}
