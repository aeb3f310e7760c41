package dev.facteur.sts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.facteur.testing.LogCapture;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The policies kept on disk: they survive a restart, are replaced whole, and a bad file costs one fetch. */
class PolicyCacheTest {

    @TempDir
    Path dir;

    static final Instant FETCHED = Instant.parse("2026-11-28T10:00:00Z");
    static final StsPolicy ENFORCE = new StsPolicy(StsPolicy.Mode.ENFORCE, List.of("mx1.example.com", "*.mx.example.net"), Duration.ofDays(7));
    static final PolicyCache.Entry ENTRY = new PolicyCache.Entry("example.com", "20261128", ENFORCE, FETCHED);

    /** The steps a replacement takes, in order, done for real. */
    private static final class Recording implements PolicyCache.Disk {
        final List<String> steps = new CopyOnWriteArrayList<>();
        volatile boolean failRename;

        @Override
        public void writeSynced(Path file, byte[] bytes) throws IOException {
            steps.add("write+fsync " + name(file));
            SYSTEM.writeSynced(file, bytes);
        }

        @Override
        public void rename(Path from, Path to) throws IOException {
            if (failRename) throw new IOException("rename: no space left on device");
            steps.add("rename " + name(from) + " " + to.getFileName());
            SYSTEM.rename(from, to);
        }

        @Override
        public void syncDirectory(Path directory) throws IOException {
            steps.add("fsync directory");
            SYSTEM.syncDirectory(directory);
        }

        @Override
        public void delete(Path file) throws IOException {
            steps.add("delete " + name(file));
            SYSTEM.delete(file);
        }

        /** A temporary file's name without its random part. */
        private static String name(Path p) {
            String n = p.getFileName().toString();
            int t = n.indexOf(PolicyCache.TEMPORARY);
            return t < 0 ? n : n.substring(0, t + PolicyCache.TEMPORARY.length()) + "*";
        }
    }

    @Test
    void aPolicySurvivesARestart() throws IOException {
        PolicyCache.open(dir).put(ENTRY);
        var reopened = PolicyCache.open(dir);
        assertThat(reopened.get("example.com")).contains(ENTRY);
        assertThat(reopened.entries()).containsExactly(ENTRY);
        assertThat(reopened.get("example.org")).isEmpty();
    }

    @Test
    void theFileIsOnePersonCanRead() throws IOException { // pinned: a change of format must be a decision
        PolicyCache.open(dir).put(ENTRY);
        assertThat(Files.readString(dir.resolve("example.com.policy"))).isEqualTo("""
                # The MTA-STS policy of example.com, as Facteur fetched it (RFC 8461).
                format: 1
                domain: example.com
                id: 20261128
                fetched: 2026-11-28T10:00:00Z
                expires: 2026-12-05T10:00:00Z

                version: STSv1
                mode: enforce
                mx: mx1.example.com
                mx: *.mx.example.net
                max_age: 604800
                """);
    }

    @Test
    void aReplacementIsWrittenSyncedThenRenamedOverTheOldFile() throws IOException {
        var disk = new Recording();
        var cache = PolicyCache.open(dir, disk);
        cache.put(ENTRY);
        cache.put(new PolicyCache.Entry("example.com", "2", ENFORCE, FETCHED.plusSeconds(60)));
        assertThat(disk.steps).containsExactly(
                "write+fsync .example.com.policy.tmp*", "rename .example.com.policy.tmp* example.com.policy", "fsync directory",
                "write+fsync .example.com.policy.tmp*", "rename .example.com.policy.tmp* example.com.policy", "fsync directory");
        assertThat(PolicyCache.open(dir).get("example.com")).map(PolicyCache.Entry::id).contains("2");
    }

    @Test
    void aFailedReplacementLeavesTheOldFileWholeAndNoTemporaryFile() throws IOException {
        var disk = new Recording();
        var cache = PolicyCache.open(dir, disk);
        cache.put(ENTRY);
        disk.failRename = true;
        var newer = new PolicyCache.Entry("example.com", "2", ENFORCE, FETCHED.plusSeconds(60));
        assertThatThrownBy(() -> cache.put(newer)).hasMessageContaining("no space left");
        assertThat(cache.get("example.com")).as("used from memory all the same").contains(newer);
        assertThat(PolicyCache.open(dir).get("example.com")).as("on disk, the old one").contains(ENTRY);
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("example.com.policy");
        }
    }

    @Test
    void aTemporaryFileLeftByACrashIsRemovedAtStart() throws IOException {
        PolicyCache.open(dir).put(ENTRY);
        Files.writeString(dir.resolve(".example.com.policy.tmp1234"), "# The MTA-STS policy of exa"); // cut short
        var disk = new Recording();
        assertThat(PolicyCache.open(dir, disk).get("example.com")).contains(ENTRY);
        assertThat(disk.steps).containsExactly("delete .example.com.policy.tmp*");
        assertThat(dir.resolve(".example.com.policy.tmp1234")).doesNotExist();
    }

    @Test
    void aFileThatDoesNotReadIsIgnoredWithALogLine() throws IOException {
        PolicyCache.open(dir).put(ENTRY);
        PolicyCache.open(dir).put(new PolicyCache.Entry("example.org", "1", ENFORCE, FETCHED));
        Path org = dir.resolve("example.org.policy");
        Files.writeString(org, Files.readString(org).replace("mode: enforce", "mode: strict"));
        Files.writeString(dir.resolve("example.net.policy"), "\u0000\u0000garbage");
        Files.writeString(dir.resolve("example.info.policy"), PolicyCache.text(ENTRY)); // example.com's, under another name
        try (var log = LogCapture.attach("facteur.sts")) {
            var cache = PolicyCache.open(dir);
            assertThat(cache.entries()).containsExactly(ENTRY);
            assertThat(log.warnings()).hasSize(3).anySatisfy(w -> assertThat(w)
                    .isEqualTo("mta-sts cache: ignoring " + org + ": the policy: mode is \"strict\", not enforce, testing or none;"
                            + " the policy is fetched again when needed"));
            assertThat(log.warnings()).anySatisfy(w -> assertThat(w).contains("example.info.policy: the policy of example.com in the file of example.info"));
        }
        assertThat(org).as("left for a person to look at").exists();
    }

    @Test
    void removeForgetsThePolicyOnDiskToo() throws IOException {
        var cache = PolicyCache.open(dir);
        cache.put(ENTRY);
        cache.remove("example.com");
        assertThat(cache.get("example.com")).isEmpty();
        assertThat(PolicyCache.open(dir).entries()).isEmpty();
        cache.remove("example.com"); // nothing to do
    }

    @Test
    void anEntryIsValidForMaxAgeFromItsFetch() { // §3.2 max_age: "from the last policy fetch time"
        assertThat(ENTRY.expires()).isEqualTo(FETCHED.plus(Duration.ofDays(7)));
        assertThat(ENTRY.isValidAt(FETCHED.plus(Duration.ofDays(7)).minusSeconds(1))).isTrue();
        assertThat(ENTRY.isValidAt(FETCHED.plus(Duration.ofDays(7)))).isFalse();
    }

    @Test
    void onlyDomainNamesNameFiles() {
        assertThatThrownBy(() -> PolicyCache.open(dir).put(new PolicyCache.Entry("../etc", "1", ENFORCE, FETCHED)))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
