package dev.facteur.auth.srs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.facteur.message.AddressSyntax;
import dev.facteur.message.Mailbox;
import dev.facteur.message.ReversePath;
import dev.facteur.testing.ManualClock;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What postsrsd (libsrs2) answered for the same secret, domain and day, kept in
 * {@code postsrsd-vectors.txt}: Facteur writes the same addresses and reads them back the same,
 * with no postsrsd installed. {@code SrsInteropIT} asks a running postsrsd.
 */
class PostsrsdVectorsTest {

    record Vector(String direction, String given, String answered) {
        @Override
        public String toString() {
            return direction + " " + given;
        }
    }

    static Stream<Vector> vectors() throws IOException {
        try (InputStream in = PostsrsdVectorsTest.class.getResourceAsStream("postsrsd-vectors.txt")) {
            List<Vector> out = new String(in.readAllBytes(), StandardCharsets.UTF_8).lines()
                    .filter(l -> !l.isBlank() && !l.startsWith("#"))
                    .map(l -> l.split("\t"))
                    .map(f -> new Vector(f[0], f[1], f[2]))
                    .toList();
            assertThat(out).hasSizeGreaterThan(10);
            return out.stream();
        }
    }

    /** The day of the vectors, 2026-12-02; the stamp JV. */
    final Srs srs = new Srs(SrsSecrets.of("tops3cret", "old-secret"), "fwd.example.net",
            ManualClock.at(Instant.parse("2026-12-02T08:00:00Z")));

    @ParameterizedTest
    @MethodSource("vectors")
    void facteurAnswersAsPostsrsdDid(Vector v) throws AddressSyntax.Invalid {
        Mailbox given = AddressSyntax.parseMailbox(v.given(), true);
        Mailbox answered = AddressSyntax.parseMailbox(v.answered(), true);
        switch (v.direction()) {
            case "forward" -> assertThat(srs.forward(ReversePath.of(given))).isEqualTo(new Forwarded.Rewritten(ReversePath.of(answered)));
            case "reverse" -> assertThat(srs.reverse(given)).isEqualTo(new Reversed.Decoded(answered));
            default -> throw new AssertionError("no direction " + v.direction());
        }
    }

    @ParameterizedTest
    @MethodSource("vectors")
    void whatPostsrsdWroteFacteurReadsBack(Vector v) throws AddressSyntax.Invalid {
        if (!v.direction().equals("forward")) return;
        Mailbox written = AddressSyntax.parseMailbox(v.answered(), true);
        Reversed back = srs.reverse(written);
        Mailbox given = AddressSyntax.parseMailbox(v.given(), true);
        String expected;
        if (given.localPart().regionMatches(true, 0, "SRS1", 0, 4)) {
            // an SRS1 sender kept its first forwarder: the bounce goes to the SRS0 address there
            expected = "SRS0=HHHH=TT=orig.example=user@first.example";
        } else if (given.localPart().regionMatches(true, 0, "SRS0", 0, 4)) {
            // back to the forwarder that wrote the SRS0 part, as it wrote it after the tag
            expected = "SRS0" + given.localPart().substring(4) + "@" + given.domain();
        } else {
            expected = given.toString();
        }
        assertThat(back).isEqualTo(new Reversed.Decoded(AddressSyntax.parseMailbox(expected, true)));
    }
}
