package dev.facteur.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MaildirTest {

    // cr.yp.to/proto/maildir.html "time.MusecPpid.host" plus a per-process counter, then Maildir++ sizes.
    private static final Pattern DELIVERED_NAME =
            Pattern.compile("(\\d+)\\.M(\\d{1,6})P(\\d+)Q(\\d+)\\.([^/:]+),S=(\\d+),W=(\\d+)");

    @TempDir
    Path dir;

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static InputStream stream(String s) {
        return new ByteArrayInputStream(bytes(s));
    }

    private static List<Path> filesIn(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.toList();
        }
    }

    @Test
    void openingCreatesTmpNewAndCurPrivateToTheOwner() throws IOException {
        var maildir = Maildir.open(dir.resolve("a/b/Maildir"));
        for (String sub : List.of("tmp", "new", "cur")) {
            Path d = maildir.root().resolve(sub);
            assertThat(d).isDirectory();
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(d))).isEqualTo("rwx------");
        }
        Maildir.open(dir.resolve("a/b/Maildir")); // opening again is harmless
    }

    /** The directories synced, in order: a real fsync, recorded. */
    private final List<Path> synced = new CopyOnWriteArrayList<>();

    private DurableDirectories recordingSyncs() {
        return new DurableDirectories(directory -> {
            synced.add(directory);
            DurableDirectories.Fsync.SYSTEM.force(directory);
        });
    }

    @Test
    void everyNameMadeIsSyncedIntoItsParentBeforeAnythingIsMadeInIt() throws IOException {
        Path a = dir.resolve("a");
        Path maildir = a.resolve("b/Maildir");

        Maildir.open(maildir, recordingSyncs());

        // dir was there already, perhaps just made by another delivery: its parent is synced too.
        assertThat(synced).containsExactly(dir.getParent(), dir, a, a.resolve("b"), maildir);
    }

    @Test
    void directoriesAnotherDeliveryJustMadeAreSyncedBeforeMailGoesIntoThem() throws IOException {
        // Another delivery made them, and may not have synced their names yet.
        for (String sub : List.of("tmp", "new", "cur")) Files.createDirectories(dir.resolve("Maildir").resolve(sub));

        var maildir = Maildir.open(dir.resolve("Maildir"), recordingSyncs());
        assertThat(synced).containsExactly(dir.resolve("Maildir"));

        maildir.deliver(bytes(""), stream("Subject: hi\r\n\r\n"));
        assertThat(synced).containsExactly(dir.resolve("Maildir"), dir.resolve("Maildir/new"));
    }

    @Test
    void aMaildirKnownDurableIsOpenedAgainWithoutSyncing() throws IOException {
        var directories = recordingSyncs();
        Maildir.open(dir, directories);
        synced.clear();

        var again = Maildir.open(dir, directories);
        assertThat(synced).isEmpty();
        again.deliver(bytes(""), stream("Subject: hi\r\n\r\n"));
        assertThat(synced).containsExactly(dir.resolve("new")); // the message's own name, every time

        synced.clear();
        Maildir.open(dir, recordingSyncs()); // nothing remembered, as after a restart
        assertThat(synced).containsExactly(dir);
    }

    @Test
    void aMaildirRemovedSinceIsMadeAndSyncedAgain() throws IOException {
        var directories = recordingSyncs();
        Path root = dir.resolve("Maildir");
        Maildir.open(root, directories);
        try (Stream<Path> tree = Files.walk(root)) {
            for (Path p : tree.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
        }
        synced.clear();

        Maildir.open(root, directories).deliver(bytes(""), stream("Subject: hi\r\n\r\n"));

        assertThat(synced).containsExactly(dir, root, root.resolve("new")); // dir's own name is known durable
        assertThat(filesIn(root.resolve("new"))).hasSize(1);
    }

    @Test
    void deliveredFileIsInNewNamedUniqueWithItsSizes() throws IOException {
        var maildir = Maildir.open(dir);
        long before = System.currentTimeMillis() / 1000;
        Path file = maildir.deliver(bytes("X-Prefix: 1\n"), stream("Subject: hi\r\n\r\nline one\r\nline two\r\n"));
        long after = System.currentTimeMillis() / 1000;

        assertThat(file.getParent()).isEqualTo(dir.resolve("new"));
        Matcher m = DELIVERED_NAME.matcher(file.getFileName().toString());
        assertThat(m.matches()).as(file.getFileName().toString()).isTrue();
        assertThat(Long.parseLong(m.group(1))).as("the time of delivery, in seconds").isBetween(before, after);
        assertThat(Long.parseLong(m.group(3))).isEqualTo(ProcessHandle.current().pid());
        // S: bytes on disk; W: the RFC 822 size, one more byte per line for its CR.
        assertThat(Long.parseLong(m.group(6))).isEqualTo(Files.size(file)).isEqualTo(43);
        assertThat(Long.parseLong(m.group(7))).isEqualTo(43 + 5);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(filesIn(dir.resolve("tmp"))).isEmpty();
    }

    @Test
    void contentIsKeptByteForByteApartFromCrlfBecomingLf() throws IOException {
        // Lone CRs and LFs stay; CR CR LF keeps its first CR; pairs straddle the 64 KiB read chunks.
        var random = new Random(7);
        var sb = new StringBuilder("Subject: binary\r\n\r\n\rlone CR\nlone LF\r\r\nCR CR LF\r\n");
        while (sb.length() < 300_000) {
            int r = random.nextInt(40);
            sb.append(r == 0 ? "\r" : r == 1 ? "\n" : r < 5 ? "\r\n" : String.valueOf((char) random.nextInt(256)));
        }
        sb.append('\r'); // a CR as the very last byte
        String stored = sb.toString();

        Path file = Maildir.open(dir).deliver(bytes("Return-Path: <a@b>\n"), stream(stored));

        byte[] expected = bytes("Return-Path: <a@b>\n" + stored.replace("\r\n", "\n"));
        assertThat(Files.readAllBytes(file)).isEqualTo(expected);
        // W counts what a reader turns back into CRLF: every LF not already after a CR.
        long lfWithoutCr = Pattern.compile("(?<!\r)\n").matcher(new String(expected, StandardCharsets.ISO_8859_1)).results().count();
        assertThat(file.getFileName().toString()).endsWith(",S=" + expected.length + ",W=" + (expected.length + lfWithoutCr));
    }

    @Test
    void aFailedDeliveryLeavesNothingInTmpOrNew() throws IOException {
        var maildir = Maildir.open(dir);
        InputStream failing = new InputStream() {
            int left = 100_000;

            @Override
            public int read() throws IOException {
                if (left == 0) throw new IOException("spool read error"); // and again on every later read
                left--;
                return 'x';
            }
        };
        assertThatThrownBy(() -> maildir.deliver(bytes("X: y\n"), failing)).hasMessage("spool read error");
        assertThat(filesIn(dir.resolve("tmp"))).isEmpty();
        assertThat(filesIn(dir.resolve("new"))).isEmpty();
    }

    @Test
    void aMessageLargerThanTheRoomLeftIsRefusedAndRemoved() throws IOException {
        var maildir = Maildir.open(dir);
        assertThatThrownBy(() -> maildir.deliver(bytes("X: y\n"), stream("a".repeat(1000)), 999))
                .isInstanceOf(Maildir.TooLarge.class);
        assertThat(filesIn(dir.resolve("tmp"))).isEmpty();
        assertThat(filesIn(dir.resolve("new"))).isEmpty();

        Path exact = maildir.deliver(bytes("X: y\n"), stream("a".repeat(994)), 999); // exactly fits
        assertThat(Files.size(exact)).isEqualTo(999);
    }

    @Test
    void usageSumsSizesFromNamesAndStatsFilesWithoutThem() throws IOException {
        var maildir = Maildir.open(dir);
        assertThat(maildir.usage()).isZero();
        Path delivered = maildir.deliver(bytes(""), stream("0123456789\r\n")); // S=11
        // Names as readers and other MDAs leave them: moved to cur/ with flags, and no S= at all.
        Files.move(delivered, dir.resolve("cur").resolve(delivered.getFileName() + ":2,S"));
        Files.writeString(dir.resolve("new/1700000000.M1P2.otherhost"), "x".repeat(100));
        Files.writeString(dir.resolve("cur/1700000001.M1P2.otherhost:2,RS"), "x".repeat(1000));
        Files.writeString(dir.resolve("cur/1700000002.M1P2.host,S=5000:2,"), "tiny"); // the name wins
        Files.writeString(dir.resolve("tmp/1700000003.M1P2.host"), "x".repeat(10_000)); // not delivered yet

        assertThat(maildir.usage()).isEqualTo(11 + 100 + 1000 + 5000);
    }

    @Test
    void hostNameSlashAndColonAreEncodedAsTheSpecSays() {
        assertThat(UniqueName.encodeHost("mx/1:25.example")).isEqualTo("mx\\0571\\07225.example");
        assertThat(UniqueName.next()).doesNotContain("/", ":");
    }
}
