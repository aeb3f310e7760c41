package dev.facteur.auth.srs;

import dev.facteur.auth.srs.Forwarded.Why;
import dev.facteur.auth.srs.SrsLocalPart.Plain;
import dev.facteur.auth.srs.SrsLocalPart.Srs0;
import dev.facteur.auth.srs.SrsLocalPart.Srs1;
import dev.facteur.message.AddressSyntax;
import dev.facteur.message.Mailbox;
import dev.facteur.message.ReversePath;
import java.time.Clock;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;

/**
 * The Sender Rewriting Scheme for one forwarding domain.
 *
 * <p>{@link #forward} rewrites the reverse-path of mail forwarded off-site:
 * <pre>
 *   alice@example.org                                 → SRS0=HHHH=TT=example.org=alice@fwd.example.net
 *   SRS0=HHHH=TT=orig.example=user@first.example      → SRS1=GGGG=first.example==HHHH=TT=orig.example=user@fwd.example.net
 *   SRS1=XXXX=first.example==HHHH=TT=…@second.example → SRS1=GGGG=first.example==HHHH=TT=…@fwd.example.net
 * </pre>
 * An SRS0 address from another forwarder is not wrapped whole but moved into SRS1, which names the
 * first forwarder and keeps its SRS0 part as it is (its hash is not ours to check); an SRS1 address
 * keeps its first forwarder, so however many hops the mail takes, a bounce goes back through at most
 * two. See {@link SrsHash} for what the hashes cover, {@link DayStamp} for TT.
 *
 * <p>{@link #reverse} undoes it for a recipient at the forwarding domain, after checking the
 * hash against every secret (in either case) and, for SRS0, the age.
 *
 * <p>Facteur's SRS is stateless, as the scheme intends: it keeps no table of the addresses it made.
 */
public final class Srs {

    /** How long a bounce may take to come back: Mail::SRS's and postsrsd's default. */
    public static final Duration DEFAULT_MAX_AGE = Duration.ofDays(21);

    private final SrsHash hash;
    private final String domain;
    private final String domainKey;
    private final Clock clock;
    private final int maxAgeDays;

    /**
     * @param secrets the first signs, all verify
     * @param domain  the forwarding domain: rewritten addresses are in it, and only addresses in it are reversed
     * @param maxAge  whole days, 1 to 1023 (the stamp wraps at 1024)
     */
    public Srs(SrsSecrets secrets, String domain, Clock clock, Duration maxAge) {
        if (!AddressSyntax.isDomain(domain, true)) throw new IllegalArgumentException("not a domain: " + domain);
        long days = maxAge.toDays();
        if (!maxAge.equals(Duration.ofDays(days)) || days < 1 || days >= DayStamp.SLOTS)
            throw new IllegalArgumentException("SRS maximum age must be 1 to " + (DayStamp.SLOTS - 1) + " whole days: " + maxAge);
        this.hash = new SrsHash(secrets);
        this.domain = domain;
        this.domainKey = domain.toLowerCase(Locale.ROOT);
        this.clock = clock;
        this.maxAgeDays = (int) days;
    }

    public Srs(SrsSecrets secrets, String domain, Clock clock) {
        this(secrets, domain, clock, DEFAULT_MAX_AGE);
    }

    /** The forwarding domain. */
    public String domain() {
        return domain;
    }

    /**
     * The reverse-path to forward {@code sender}'s mail with. A reverse-path always has a domain
     * ({@code AddressSyntax.parseReversePath} refuses the bare Postmaster); one without is a
     * caller's mistake and throws.
     */
    public Forwarded forward(ReversePath sender) {
        if (sender.isNull()) return new Forwarded.Unchanged(sender, Why.NULL_PATH);
        Mailbox from = sender.mailbox().orElseThrow();
        if (!from.hasDomain()) throw new IllegalArgumentException("a reverse-path without a domain: " + from);
        if (isOwn(from)) return new Forwarded.Unchanged(sender, Why.OWN_DOMAIN);
        String written = LocalParts.written(rewritten(from));
        if (!LocalParts.fits(written, domain)) return new Forwarded.TooLong(sender, LocalParts.octets(written));
        return new Forwarded.Rewritten(ReversePath.of(new Mailbox(written, domain)));
    }

    /** The content of the rewritten local part. */
    private String rewritten(Mailbox from) {
        String content = LocalParts.content(from.localPart());
        if (SrsLocalPart.read(content) instanceof Srs1 srs1) return srs1(srs1.host(), srs1.tail());
        // Any local part tagged SRS0, well-formed or not: SRS1 carries it whole, as libsrs2 does.
        Optional<String> srs0 = SrsLocalPart.tailAfter("SRS0", content);
        if (srs0.isPresent()) return srs1(from.domain(), srs0.get());
        // Everything else, a malformed SRS1 included, is an original sender.
        DayStamp today = DayStamp.of(clock.instant());
        return new Srs0(hash.sign(today.text(), from.domain(), content), today, from.domain(), content).text();
    }

    private String srs1(String firstForwarder, String srs0Tail) {
        return new Srs1(hash.sign(firstForwarder, srs0Tail), firstForwarder, srs0Tail).text();
    }

    /** Where a bounce to {@code recipient} goes, if it is an SRS address of ours. Never throws for what a peer sends. */
    public Reversed reverse(Mailbox recipient) {
        if (!isOwn(recipient)) return new Reversed.NotSrs();
        return switch (SrsLocalPart.read(LocalParts.content(recipient.localPart()))) {
            case Plain p -> new Reversed.NotSrs();
            case SrsLocalPart.Malformed m -> new Reversed.Malformed(m.reason());
            case Srs0 srs0 -> reverse(srs0);
            case Srs1 srs1 -> reverse(srs1);
        };
    }

    private Reversed reverse(Srs0 a) {
        // The hash before the age (libsrs2 looks at the age first): an address both made up and
        // old is then told as made up. Either way it is refused.
        if (!hash.verifies(a.hash(), a.stamp().text(), a.host(), a.user()))
            return new Reversed.Forged("SRS0 hash made with none of the secrets");
        int age = a.stamp().ageOn(DayStamp.of(clock.instant()));
        if (age > maxAgeDays) return new Reversed.Expired(age, maxAgeDays);
        return decoded(a.user(), a.host());
    }

    /** SRS1 has no stamp of its own: the first forwarder checks the SRS0 part's when the bounce reaches it. */
    private Reversed reverse(Srs1 a) {
        if (!hash.verifies(a.hash(), a.host(), a.tail()))
            return new Reversed.Forged("SRS1 hash made with none of the secrets");
        return decoded(a.srs0(), a.host());
    }

    /** The mailbox {@code content@host}, quoted as it must be and checked as any address from a peer. */
    private static Reversed decoded(String content, String host) {
        return AddressSyntax.tryParseMailbox(LocalParts.written(content) + "@" + host, true)
                .<Reversed>map(Reversed.Decoded::new)
                .orElseGet(() -> new Reversed.Malformed("the address inside is not a mailbox"));
    }

    private boolean isOwn(Mailbox m) {
        return m.domainKey().equals(domainKey);
    }

    @Override
    public String toString() {
        return "Srs[" + domain + ", max age " + maxAgeDays + " days]";
    }
}
