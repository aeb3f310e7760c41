package dev.facteur.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.facteur.message.Mailbox;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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
        assertThat(TransportMap.parseTransport("smtp:[127.0.0.5]:2525")).isEqualTo(new Transport.Smtp("127.0.0.5", 2525, false));
        assertThat(TransportMap.parseTransport("smtp:[relay.example]")).isEqualTo(new Transport.Smtp("relay.example", 0, false));
        assertThat(TransportMap.parseTransport("smtp:relay.example:26")).isEqualTo(new Transport.Smtp("relay.example", 26, true));
        assertThat(TransportMap.parseTransport("lmtp:127.0.0.1:24")).hasToString("lmtp:127.0.0.1:24");
        assertThat(TransportMap.parseTransport("error:4.2.1 Try later")).isEqualTo(
                new Transport.Error(new dev.facteur.smtp.Reply(450, "4.2.1", "Try later")));
        assertThat(TransportMap.parseTransport("discard")).isInstanceOf(Transport.Discard.class);
        assertThat(TransportMap.parseTransport("hold")).isInstanceOf(Transport.Hold.class);
        assertThat(TransportMap.parseTransport("local")).isInstanceOf(Transport.Local.class);
    }

    @Test
    void aChangedFileIsReadAgainAndABrokenEditKeepsThePreviousTable() throws Exception {
        Path file = dir.resolve("aliases");
        Files.writeString(file, "info: alice\n");
        var aliases = ReloadingFile.open(file, Aliases::read);
        assertThat(aliases.get().lookup("info", "example.test")).contains(List.of(new Mailbox("alice", "example.test")));

        Files.writeString(file, "info: bob\nsales: carol\n");
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5))
                .until(() -> aliases.get().lookup("sales", "example.test").isPresent());
        assertThat(aliases.get().lookup("info", "example.test")).contains(List.of(new Mailbox("bob", "example.test")));

        Files.writeString(file, "info bob\nbroken\n");
        Thread.sleep(1500);
        assertThat(aliases.get().lookup("sales", "example.test")).as("still the last good table").isPresent();
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
}
