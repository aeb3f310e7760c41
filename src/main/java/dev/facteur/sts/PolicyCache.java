package dev.facteur.sts;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The policies fetched, kept on disk so that a restart forgets none: RFC 8461 §3.3 has a sender
 * apply a cached policy while it is valid even when neither record nor policy can be had, and
 * that is the whole defence against an attacker who hides them. One small file per domain,
 * {@code DOMAIN.policy}, that a person can read: a few named fields, then the policy as fetched.
 *
 * <pre>
 * # The MTA-STS policy of example.com, as Facteur fetched it (RFC 8461).
 * format: 1
 * domain: example.com
 * id: 20260101T000000
 * fetched: 2026-11-28T10:00:00Z
 * expires: 2026-12-05T10:00:00Z
 *
 * version: STSv1
 * mode: enforce
 * mx: mx1.example.com
 * max_age: 604800
 * </pre>
 *
 * {@code expires} is there for the reader; it is worked out again from {@code fetched} and
 * {@code max_age}. A file is replaced whole (a temporary file, synced, renamed over the old one,
 * the directory synced), so a crash leaves the old policy or the new one, never half of one; a
 * file that does not read (a disk error, someone's editor) is logged and left alone, and that
 * domain's policy is fetched again. Reads come from memory; thread-safe.
 */
public final class PolicyCache {

    private static final Logger log = LoggerFactory.getLogger("facteur.sts");
    static final String SUFFIX = ".policy";
    static final String TEMPORARY = ".tmp";
    private static final String FORMAT = "1";

    /**
     * One cached policy.
     *
     * @param domain  the policy domain, lower case
     * @param id      the id of the record the policy was fetched for
     * @param policy  the policy
     * @param fetched when it was fetched: it is valid for its {@code max_age} from then
     */
    public record Entry(String domain, String id, StsPolicy policy, Instant fetched) {
        /** When the policy stops being valid. */
        public Instant expires() {
            return fetched.plus(policy.maxAge());
        }

        /** Whether the policy is still valid at {@code now}. */
        public boolean isValidAt(Instant now) {
            return now.isBefore(expires());
        }
    }

    /** The writes, syncs and renames a replacement rests on, so that a test can see their order. */
    interface Disk {
        /** Writes {@code bytes} to a new file and fsyncs it. */
        void writeSynced(Path file, byte[] bytes) throws IOException;

        /** rename(2): the file is under its new name whole, or under its old one. */
        void rename(Path from, Path to) throws IOException;

        /** fsync(2) of the directory, so that a rename or a removal in it is on disk. */
        void syncDirectory(Path directory) throws IOException;

        void delete(Path file) throws IOException;

        Disk SYSTEM = new Disk() {
            @Override
            public void writeSynced(Path file, byte[] bytes) throws IOException {
                try (FileChannel c = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                    ByteBuffer b = ByteBuffer.wrap(bytes);
                    while (b.hasRemaining()) c.write(b);
                    c.force(true);
                }
            }

            @Override
            public void rename(Path from, Path to) throws IOException {
                Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            }

            @Override
            public void syncDirectory(Path directory) throws IOException {
                try (FileChannel d = FileChannel.open(directory, StandardOpenOption.READ)) {
                    d.force(true);
                }
            }

            @Override
            public void delete(Path file) throws IOException {
                Files.deleteIfExists(file);
            }
        };
    }

    private final Path directory;
    private final Disk disk;
    private final Map<String, Entry> entries = new ConcurrentHashMap<>();

    private PolicyCache(Path directory, Disk disk) {
        this.directory = directory;
        this.disk = disk;
    }

    /** The cache in {@code directory} (made if missing), with every policy file in it read. */
    public static PolicyCache open(Path directory) throws IOException {
        return open(directory, Disk.SYSTEM);
    }

    static PolicyCache open(Path directory, Disk disk) throws IOException {
        Files.createDirectories(directory);
        PolicyCache cache = new PolicyCache(directory, disk);
        try (DirectoryStream<Path> files = Files.newDirectoryStream(directory)) {
            for (Path file : files) {
                String name = file.getFileName().toString();
                if (name.startsWith(".") && name.contains(TEMPORARY)) {
                    disk.delete(file); // a replacement a crash cut short: the file it was to replace is whole
                } else if (name.endsWith(SUFFIX)) {
                    try {
                        Entry e = read(file, name.substring(0, name.length() - SUFFIX.length()));
                        cache.entries.put(e.domain(), e);
                    } catch (IOException | RuntimeException e) {
                        log.warn("mta-sts cache: ignoring {}: {}; the policy is fetched again when needed", file, e.getMessage());
                    }
                }
            }
        }
        return cache;
    }

    /** The policy cached for {@code domain}, valid or not. */
    public Optional<Entry> get(String domain) {
        return Optional.ofNullable(entries.get(domain));
    }

    /** Every cached policy. */
    public List<Entry> entries() {
        return List.copyOf(entries.values());
    }

    /**
     * Keeps {@code entry} in place of the domain's policy. It is used from now on even when it
     * cannot be written: the exception says so, and a restart then falls back on the old file.
     */
    public synchronized void put(Entry entry) throws IOException {
        Path file = file(entry.domain());
        entries.put(entry.domain(), entry);
        Path temporary = directory.resolve("." + entry.domain() + SUFFIX + TEMPORARY + Long.toHexString(ThreadLocalRandom.current().nextLong()));
        try {
            disk.writeSynced(temporary, text(entry).getBytes(StandardCharsets.UTF_8));
            disk.rename(temporary, file);
        } catch (IOException | RuntimeException e) {
            try {
                disk.delete(temporary);
            } catch (IOException ignored) {
                // removed at the next start
            }
            throw e;
        }
        disk.syncDirectory(directory);
    }

    /** Forgets the domain's policy (it expired). */
    public synchronized void remove(String domain) throws IOException {
        if (entries.remove(domain) == null) return;
        disk.delete(file(domain));
        disk.syncDirectory(directory);
    }

    private Path file(String domain) {
        if (!domain.matches("[a-z0-9]([a-z0-9.-]*[a-z0-9])?") || domain.contains(".."))
            throw new IllegalArgumentException("not a lower-case domain name: " + domain); // it names a file
        return directory.resolve(domain + SUFFIX);
    }

    /** The file's content for {@code e}. */
    static String text(Entry e) {
        return "# The MTA-STS policy of " + e.domain() + ", as Facteur fetched it (RFC 8461).\n"
                + "format: " + FORMAT + "\n"
                + "domain: " + e.domain() + "\n"
                + "id: " + e.id() + "\n"
                + "fetched: " + e.fetched() + "\n"
                + "expires: " + e.expires() + "\n"
                + "\n"
                + e.policy().text().replace("\r\n", "\n");
    }

    /** Reads a file written by {@link #text}; {@code domain} is the one its name says. */
    private static Entry read(Path file, String domain) throws IOException {
        String content = Files.readString(file, StandardCharsets.UTF_8);
        int blank = content.indexOf("\n\n");
        if (blank < 0) throw new IOException("no empty line before the policy");
        Map<String, String> fields = new HashMap<>();
        for (String line : content.substring(0, blank).split("\n")) {
            if (line.startsWith("#")) continue;
            int colon = line.indexOf(": ");
            if (colon < 0) throw new IOException("not \"name: value\": " + line);
            fields.put(line.substring(0, colon), line.substring(colon + 2));
        }
        if (!FORMAT.equals(fields.get("format"))) throw new IOException("format " + fields.get("format") + ", not " + FORMAT);
        if (!domain.equals(fields.get("domain"))) throw new IOException("the policy of " + fields.get("domain") + " in the file of " + domain);
        String id = fields.get("id");
        if (id == null || fields.get("fetched") == null) throw new IOException("no id or no fetched time");
        Instant fetched;
        try {
            fetched = Instant.parse(fields.get("fetched"));
        } catch (DateTimeParseException e) {
            throw new IOException("fetched: not a time: " + fields.get("fetched"));
        }
        return switch (StsPolicy.parse(content.substring(blank + 2))) {
            case StsPolicy.Parse.Valid(var policy) -> new Entry(domain, new StsRecord(id).id(), policy, fetched);
            case StsPolicy.Parse.Invalid(var reason) -> throw new IOException("the policy: " + reason);
        };
    }
}
