package dev.facteur.auth.srs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.message.AddressSyntax;
import dev.facteur.message.Mailbox;
import dev.facteur.message.ReversePath;
import dev.facteur.testing.ManualClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Thousands of local parts made of the pieces SRS addresses are made of: the hand-written reader
 * agrees with a slow regex reference, the codec never throws, and what it rewrites comes back.
 */
class RandomAddressesTest {

    private static final List<String> PIECES = List.of("SRS0", "SRS1", "srs0", "Srs1", "ſRS0", "=", "=", "=", "+", "-", ".", "..",
            "a", "Z", "é", "\"", "\\", " ", "@", "[", "]", "zrNa", "t3zt", "JV", "jv", "J1", "example.org", "first.example", "x");
    private static final int RUNS = 5_000;

    private final Random random = new Random(20261202);
    private final ManualClock clock = ManualClock.at(Instant.parse("2026-12-02T12:00:00Z"));
    private final Srs srs = new Srs(SrsSecrets.of("tops3cret", "old-secret"), "fwd.example.net", clock);
    private final SrsHash ours = new SrsHash(SrsSecrets.of("tops3cret"));

    private String content() {
        StringBuilder s = new StringBuilder();
        int n = random.nextInt(12);
        for (int i = 0; i < n; i++) s.append(PIECES.get(random.nextInt(PIECES.size())));
        return s.toString();
    }

    /** The slow reference: the forms of {@link SrsLocalPart} as regular expressions, ASCII case only. */
    private static final Pattern SRS1 = Pattern.compile("^(?i:SRS1)[=+-]([^=]*)=([^=]*)=(.+)$", Pattern.DOTALL);
    private static final Pattern SRS0 = Pattern.compile("^(?i:SRS0)[=+-]([^=]*)=([^=]*)=([^=]*)=(.*)$", Pattern.DOTALL);
    private static final Pattern TAGGED = Pattern.compile("^(?i:SRS[01])[=+-].*$", Pattern.DOTALL);

    private static String reference(String content) {
        Matcher m = SRS1.matcher(content);
        if (m.matches())
            return m.group(1).length() == 4 && !m.group(2).isEmpty() ? "srs1 " + m.group(1) + " " + m.group(2) + " " + m.group(3) : "malformed";
        if (content.regionMatches(true, 0, "SRS1", 0, 4) && TAGGED.matcher(content).matches()) return "malformed";
        m = SRS0.matcher(content);
        if (m.matches()) {
            boolean ok = m.group(1).length() == 4 && m.group(2).matches("[A-Za-z2-7]{2}") && !m.group(3).isEmpty();
            return ok ? "srs0 " + m.group(1) + " " + m.group(2).toUpperCase() + " " + m.group(3) + " " + m.group(4) : "malformed";
        }
        return TAGGED.matcher(content).matches() ? "malformed" : "plain";
    }

    private static String read(String content) {
        return switch (SrsLocalPart.read(content)) {
            case SrsLocalPart.Srs1 s -> "srs1 " + s.hash() + " " + s.host() + " " + s.tail();
            case SrsLocalPart.Srs0 s -> "srs0 " + s.hash() + " " + s.stamp().text() + " " + s.host() + " " + s.user();
            case SrsLocalPart.Malformed m -> "malformed";
            case SrsLocalPart.Plain p -> "plain";
        };
    }

    @Test
    void theReaderAgreesWithTheRegexReference() {
        for (int i = 0; i < RUNS; i++) {
            String content = content();
            assertThat(read(content)).as(content).isEqualTo(reference(content));
        }
    }

    @Test
    void whateverAPeerSendsToOurDomainIsAnOutcomeNeverAnException() {
        for (int i = 0; i < RUNS; i++) {
            String content = content();
            Optional<Mailbox> m = AddressSyntax.tryParseMailbox(LocalParts.written(content) + "@fwd.example.net", true);
            if (m.isEmpty()) continue;
            assertThat(srs.reverse(m.get())).as(content).isNotNull();
            // and with a genuine hash over it, to reach the checks behind the hash
            String signed = signedSrs0(content);
            AddressSyntax.tryParseMailbox(LocalParts.written(signed) + "@fwd.example.net", true)
                    .ifPresent(s -> assertThat(srs.reverse(s)).as(signed).isNotNull());
        }
    }

    private String signedSrs0(String content) {
        String[] f = content.split("=", 3);
        String host = f.length > 1 ? f[0] : "example.org";
        String user = f.length > 1 ? f[f.length - 1] : content;
        return "SRS0=" + ours.sign("JV", host, user) + "=JV=" + host + "=" + user;
    }

    @Test
    void everyRewrittenSenderComesBack() {
        int rewritten = 0;
        for (int i = 0; i < RUNS; i++) {
            String content = content();
            Optional<Mailbox> sender = AddressSyntax.tryParseMailbox(LocalParts.written(content) + "@example.org", true);
            if (sender.isEmpty()) continue;
            clock.set(Instant.parse("2026-12-02T12:00:00Z").plus(Duration.ofHours(random.nextInt(21 * 24))));
            Forwarded out = srs.forward(ReversePath.of(sender.get()));
            if (!(out instanceof Forwarded.Rewritten r)) {
                assertThat(out).as(content).isInstanceOf(Forwarded.TooLong.class);
                continue;
            }
            rewritten++;
            clock.advance(Duration.ofDays(random.nextInt(21)));
            Reversed back = srs.reverse(r.sender().mailbox().orElseThrow());
            String c = LocalParts.content(sender.get().localPart());
            var expected = switch (SrsLocalPart.read(c)) {
                case SrsLocalPart.Srs1 s1 -> new Mailbox(LocalParts.written(s1.srs0()), s1.host());
                case SrsLocalPart s when SrsLocalPart.tailAfter("SRS0", c).isPresent() ->
                        new Mailbox(LocalParts.written("SRS0" + SrsLocalPart.tailAfter("SRS0", c).get()), "example.org");
                default -> sender.get();
            };
            assertThat(back).as(content).isEqualTo(new Reversed.Decoded(expected));
        }
        assertThat(rewritten).isGreaterThan(RUNS / 4);
    }
}
