package dev.facteur.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.facteur.message.Mailbox;
import dev.facteur.testing.LogCapture;
import dev.facteur.testing.ManualClock;
import dev.facteur.testing.Patience;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The operator's files: their format, their errors (file and line), and reloading. */
class MapFilesTest {

    @TempDir
    Path dir;

    @Test
    void entriesMayHaveAColonCommentsAndContinuationLines() throws Exception {
        var entries = MapFile.parse("""
                # the team
                team: alice,
                      bob
                other   carol
                """, "aliases");
        assertThat(entries).containsExactly(new MapFile.Entry("team", "alice, bob", 2), new MapFile.Entry("other", "carol", 4));
    }

    @Test
    void aHashAfterWhiteSpaceStartsAComment() throws Exception {
        var entries = MapFile.parse("""
                sales@example.test: carol   # only in example.test
                team: alice,	# the lead
                      bob   # and the rest
                    # a comment line between
                      , dave
                old.example error:5.1.6 see ticket#12 # moved
                a#b@example.test: c#d
                """, "aliases");
        assertThat(entries).containsExactly(
                new MapFile.Entry("sales@example.test", "carol", 1),
                new MapFile.Entry("team", "alice, bob , dave", 2),
                new MapFile.Entry("old.example", "error:5.1.6 see ticket#12", 6),
                new MapFile.Entry("a#b@example.test", "c#d", 7));
        assertThatThrownBy(() -> MapFile.parse("info: # nobody yet\n", "aliases")).hasMessage("aliases:1: no value for info");
    }

    @Test
    void theAliasesOfTheExampleMeanWhatTheirCommentsSay() throws Exception {
        var aliases = Aliases.parse(MapFile.parse("""
                # key: target, target, ...
                info:              alice, bob@example.org   # "info" in every local domain
                sales@example.test: carol                    # only in example.test
                @example.test:     catchall                 # anything else in example.test
                """, "aliases"), "aliases");
        assertThat(aliases.lookup("sales", "example.test")).contains(List.of(new Mailbox("carol", "example.test")));
        assertThat(aliases.lookup("info", "other.test"))
                .contains(List.of(new Mailbox("alice", "other.test"), new Mailbox("bob", "example.org")));
        assertThat(aliases.catchAll("example.test")).contains(List.of(new Mailbox("catchall", "example.test")));
    }

    @Test
    void aBareTargetMustBeALocalPart() throws Exception { // RFC 5321 §4.1.2: Dot-string / Quoted-string
        var ok = Aliases.parse(MapFile.parse("a: first.last, \"john doe\", o'brien, josé\n", "aliases"), "aliases");
        assertThat(ok.lookup("a", "example.test")).contains(List.of(new Mailbox("first.last", "example.test"),
                new Mailbox("\"john doe\"", "example.test"), new Mailbox("o'brien", "example.test"),
                new Mailbox("josé", "example.test")));
        for (String bad : List.of("carol  junk", ".carol", "carol.", "bob..smith", "a(b)", "\"open", "x;y")) {
            assertThatThrownBy(() -> Aliases.parse(MapFile.parse("ok: alice\nb: " + bad + "\n", "aliases"), "aliases"))
                    .as(bad).hasMessage("aliases:2: bad local part: " + bad);
        }
        assertThatThrownBy(() -> Aliases.parse(MapFile.parse("b: carol@\n", "aliases"), "aliases"))
                .hasMessage("aliases:1: bad address: carol@");
    }

    @Test
    void mistakesNameTheFileAndLine() {
        assertThatThrownBy(() -> MapFile.parse("ok: x\n  \nlonely\n", "aliases"))
                .hasMessage("aliases:3: no value for lonely");
        assertThatThrownBy(() -> MapFile.parse("   starts indented\n", "aliases"))
                .hasMessage("aliases:1: continuation line without an entry before it");
        assertThatThrownBy(() -> Aliases.parse(MapFile.parse("a: b\nprog: |/usr/bin/thing\n", "aliases"), "aliases"))
                .hasMessageStartingWith("aliases:2: commands, files and includes are not supported");
        assertThatThrownBy(() -> TransportMap.parse(MapFile.parse("example.com  smtp:[host\n", "transport"), "transport"))
                .hasMessage("transport:1: missing ] in [host");
        assertThatThrownBy(() -> TransportMap.parse(MapFile.parse("example.com  carrier-pigeon\n", "transport"), "transport"))
                .hasMessageStartingWith("transport:1: unknown transport: carrier-pigeon");
        assertThatThrownBy(() -> TransportMap.parse(MapFile.parse("x.com error:bad\n", "transport"), "transport"))
                .hasMessageStartingWith("transport:1: error: needs an enhanced status code");
        assertThatThrownBy(() -> CanonicalMap.parse(MapFile.parse("@old.example new.example\n", "canonical"), "canonical"))
                .hasMessageStartingWith("canonical:1: a domain rewrite is");
    }

    @Test
    void transportsAreReadAsPostfixWritesThem() {
        assertThat(Transport.parse("smtp:[127.0.0.5]:2525")).isEqualTo(new Transport.Smtp("127.0.0.5", 2525, false));
        assertThat(Transport.parse("smtp:[relay.example]")).isEqualTo(new Transport.Smtp("relay.example", 0, false));
        assertThat(Transport.parse("smtp:relay.example:26")).isEqualTo(new Transport.Smtp("relay.example", 26, true));
        assertThat(Transport.parse("lmtp:127.0.0.1:24")).hasToString("lmtp:127.0.0.1:24");
        assertThat(Transport.parse("error:4.2.1 Try later")).isEqualTo(
                new Transport.Error(new dev.facteur.smtp.Reply(450, "4.2.1", "Try later")));
        assertThat(Transport.parse("discard")).isInstanceOf(Transport.Discard.class);
        assertThat(Transport.parse("hold")).isInstanceOf(Transport.Hold.class);
        assertThat(Transport.parse("local")).isInstanceOf(Transport.Local.class);
    }

    @Test
    void aHostInBracketsIsANameOrAnIpAddress() { // found by TransportFuzzTest
        assertThat(Transport.parse("smtp:[2001:db8::25]:25")).isEqualTo(new Transport.Smtp("2001:db8::25", 25, false));
        assertThat(Transport.parse("lmtp:[::1]:24")).hasToString("lmtp:[::1]:24");
        for (String bad : List.of("smtp:[192..0.2.1]:25", "smtp:[192.0.2.256]", "smtp:[1.2.3]", "lmtp:[::1::2]:24", "smtp:..."))
            assertThatThrownBy(() -> Transport.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("bad host");
    }

    @Test
    void aTransportWrittenOutReadsBackTheSame() { // found by TransportFuzzTest
        var unixHost = Transport.parse("lmtp:[unix]:24");
        assertThat(Transport.parse(unixHost.toString())).isEqualTo(unixHost);
        assertThatThrownBy(() -> Transport.parse("lmtp:/run/lmtp\r/x")).hasMessageStartingWith("control character in transport");
        assertThatThrownBy(() -> Transport.parse("lmtp:unix:run/lmtp")).hasMessage("lmtp:unix: needs an absolute socket path");
        // a path ending in a tab would read back without it
        assertThatThrownBy(() -> Transport.parse("lmtp:unix:/s\t/")).hasMessage("white space in the socket path of lmtp:unix:/s\t/");
    }

    @Test
    void aChangedFileIsReadAgainWithinSeconds() throws Exception { // on the real clocks
        Path file = dir.resolve("aliases");
        Files.writeString(file, "info: alice\n");
        var aliases = ReloadingFile.open(file, Aliases::read);
        assertThat(aliases.get().lookup("info", "example.test")).contains(List.of(new Mailbox("alice", "example.test")));

        Files.writeString(file, "info: bob\nsales: carol\n");
        Patience.await("the file is read again").until(() -> aliases.get().lookup("sales", "example.test").isPresent());
        assertThat(aliases.get().lookup("info", "example.test")).contains(List.of(new Mailbox("bob", "example.test")));
    }

    @Test
    void aBrokenEditIsLoggedOnceWithItsLineAndThePreviousTableStays() throws Exception {
        var time = ManualClock.at(Instant.parse("2026-01-01T00:00:00Z"));
        Path file = dir.resolve("aliases");
        write(time, file, "info: alice\n", Duration.ofMinutes(-1));
        var aliases = ReloadingFile.open(file, Aliases::read, time::nanos, time::instant);
        try (var log = LogCapture.attach("facteur.routing", m -> m.startsWith(file.toString()))) {
            write(time, file, "info: bob\nbroken\n", Duration.ofMinutes(-1));
            for (int i = 0; i < 5; i++) {
                time.advance(Duration.ofSeconds(1));
                assertThat(served(aliases)).isEqualTo("info=alice sales=none");
            }
            assertThat(log.errors()).containsExactly(file + ":2: no value for broken (keeping the table loaded before)");

            write(time, file, "info: bob\n", Duration.ofMinutes(-1));
            time.advance(Duration.ofSeconds(1));
            assertThat(served(aliases)).isEqualTo("info=bob sales=none");
            assertThat(log.errors()).hasSize(1);
        }
    }

    @Test
    void aFileRewrittenInPlaceIsNeverServedHalfWritten() throws Exception { // cat new > aliases
        var time = ManualClock.at(Instant.parse("2026-01-01T00:00:00Z"));
        Path file = dir.resolve("aliases");
        write(time, file, "info: alice\n", Duration.ofMinutes(-1));
        var aliases = ReloadingFile.open(file, Aliases::read, time::nanos, time::instant);
        String before = "info=alice sales=none";

        time.advance(Duration.ofMillis(600));
        write(time, file, "", Duration.ZERO); // truncated: an empty aliases file is a valid one
        time.advance(Duration.ofMillis(400));
        assertThat(served(aliases)).as("t=1.0 s, sees it empty").isEqualTo(before);
        time.advance(Duration.ofMillis(200));
        write(time, file, "info: bob\n", Duration.ZERO); // half written: parses, and sales is missing
        time.advance(Duration.ofMillis(800));
        assertThat(served(aliases)).as("t=2.0 s, sees it half written").isEqualTo(before);
        time.advance(Duration.ofMillis(400));
        write(time, file, "info: bob\nsales: carol\n", Duration.ZERO); // complete
        time.advance(Duration.ofMillis(600));
        assertThat(served(aliases)).as("t=3.0 s, complete but just changed").isEqualTo(before);
        time.advance(Duration.ofMillis(500));
        assertThat(served(aliases)).as("t=3.5 s, no look before a second has passed").isEqualTo(before);
        time.advance(Duration.ofMillis(500));
        assertThat(served(aliases)).as("t=4.0 s, the same on two looks").isEqualTo("info=bob sales=carol");
    }

    @Test
    void aFileLastModifiedSecondsAgoIsTakenAtTheFirstLook() throws Exception { // mv aliases.new aliases
        var time = ManualClock.at(Instant.parse("2026-01-01T00:00:00Z"));
        Path file = dir.resolve("aliases");
        write(time, file, "info: alice\n", Duration.ofMinutes(-1));
        var aliases = ReloadingFile.open(file, Aliases::read, time::nanos, time::instant);

        Path next = dir.resolve("aliases.new");
        write(time, next, "info: bob\n", Duration.ofSeconds(-2));
        Files.move(next, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        assertThat(served(aliases)).as("no look yet").isEqualTo("info=alice sales=none");
        time.advance(Duration.ofSeconds(1));
        assertThat(served(aliases)).isEqualTo("info=bob sales=none");

        write(time, next, "info: carol\n", Duration.ofMillis(-500)); // renamed in at once: waits for a second look
        Files.move(next, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        time.advance(Duration.ofSeconds(1));
        assertThat(served(aliases)).isEqualTo("info=bob sales=none");
        time.advance(Duration.ofSeconds(1));
        assertThat(served(aliases)).isEqualTo("info=carol sales=none");
    }

    @Test
    void aMissingFileIsLoggedOnceAndThePreviousTableStays() throws Exception {
        var time = ManualClock.at(Instant.parse("2026-01-01T00:00:00Z"));
        Path file = dir.resolve("aliases");
        write(time, file, "info: alice\n", Duration.ofMinutes(-1));
        var aliases = ReloadingFile.open(file, Aliases::read, time::nanos, time::instant);
        try (var log = LogCapture.attach("facteur.routing", m -> m.startsWith(file.toString()))) {
            Files.delete(file);
            for (int i = 0; i < 5; i++) {
                time.advance(Duration.ofSeconds(1));
                assertThat(served(aliases)).isEqualTo("info=alice sales=none");
            }
            assertThat(log.errors()).containsExactly(file + ": missing, keeping the table loaded before");

            write(time, file, "info: bob\n", Duration.ofMinutes(-1));
            time.advance(Duration.ofSeconds(1));
            assertThat(served(aliases)).isEqualTo("info=bob sales=none");
            assertThat(log.infos()).containsExactly(file + ": reloaded");

            Files.delete(file);
            for (int i = 0; i < 3; i++) {
                time.advance(Duration.ofSeconds(1));
                assertThat(served(aliases)).isEqualTo("info=bob sales=none");
            }
            assertThat(log.errors()).as("missing again: a new state, told once").hasSize(2);
        }
    }

    @Test
    void aBrokenFileStopsTheStart() throws Exception {
        Path file = dir.resolve("transport");
        Files.writeString(file, "example.com smtp:[x]:0\n");
        assertThatThrownBy(() -> ReloadingFile.open(file, TransportMap::read)).hasMessage(file + ":1: port out of range in [x]:0");
    }

    @Test
    void usersFileListsNamesAndAddresses() throws Exception {
        Path file = dir.resolve("users");
        Files.writeString(file, "# people\nalice\nbob@example.test\n");
        LocalUsers users = LocalUsers.read(file);
        assertThat(users.exists("ALICE", "any.test")).isTrue();
        assertThat(users.exists("bob", "example.test")).isTrue();
        assertThat(users.exists("bob", "other.test")).isFalse();
        Files.writeString(file, "alice\n../etc\n");
        assertThatThrownBy(() -> LocalUsers.read(file)).hasMessageStartingWith(file + ":2: not a user name");
    }

    /** What the aliases say for info@ and sales@ in example.test, as one string. */
    private static String served(ReloadingFile<Aliases> aliases) {
        Aliases a = aliases.get();
        return "info=" + a.lookup("info", "example.test").map(MapFilesTest::locals).orElse("none")
                + " sales=" + a.lookup("sales", "example.test").map(MapFilesTest::locals).orElse("none");
    }

    private static String locals(List<Mailbox> targets) {
        return String.join(",", targets.stream().map(Mailbox::localPart).toList());
    }

    /** Writes in place (truncate, then write) and sets the modification time to the clock's now plus {@code offset}. */
    private static void write(ManualClock time, Path file, String text, Duration offset) throws IOException {
        Files.writeString(file, text);
        Files.setLastModifiedTime(file, FileTime.from(time.instant().plus(offset)));
    }
}
