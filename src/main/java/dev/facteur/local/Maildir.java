package dev.facteur.local;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Set;

/**
 * One Maildir (cr.yp.to/proto/maildir.html): a message is written whole into {@code tmp/}, made
 * durable, then renamed into {@code new/}, so a reader never sees a partial message and a crash
 * leaves at worst a stray file in {@code tmp/}. Readers move messages on to {@code cur/}; this
 * class only ever adds to {@code new/}.
 */
public final class Maildir {

    /** The message would take more than the room the caller allowed (the quota left). */
    public static final class TooLarge extends IOException {
        TooLarge(long maxBytes) {
            super("message larger than the " + maxBytes + " bytes left", null);
        }
    }

    // Mail is private to its owner: mode 0600 files, whatever the umask (0700 directories: DurableDirectories).
    private static final FileAttribute<Set<PosixFilePermission>> PRIVATE_FILE =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));

    private final Path root;
    private final Path tmp;
    private final Path fresh; // "new" is a keyword
    private final Path cur;
    private final DurableDirectories directories;

    private Maildir(Path root, DurableDirectories directories) {
        this.root = root;
        this.directories = directories;
        this.tmp = root.resolve("tmp");
        this.fresh = root.resolve("new");
        this.cur = root.resolve("cur");
    }

    /**
     * Opens the Maildir at {@code root}, creating it and its {@code tmp}, {@code new}, {@code cur} as
     * needed. Remembering nothing, it syncs the Maildir's directory every time; {@link MaildirDelivery}
     * keeps one memory for all its deliveries.
     */
    public static Maildir open(Path root) throws IOException {
        return open(root, new DurableDirectories(DurableDirectories.Fsync.SYSTEM));
    }

    /**
     * Opens the Maildir at {@code root}: its directories exist and their names are on disk (synced,
     * unless {@code directories} knows them durable already) before anything is delivered into them.
     */
    static Maildir open(Path root, DurableDirectories directories) throws IOException {
        var maildir = new Maildir(root.toAbsolutePath(), directories);
        directories.create(List.of(maildir.tmp, maildir.fresh, maildir.cur));
        return maildir;
    }

    public Path root() {
        return root;
    }

    /** Delivers with no size limit; see {@link #deliver(byte[], InputStream, long)}. */
    public Path deliver(byte[] prefixHeaders, InputStream content) throws IOException {
        return deliver(prefixHeaders, content, Long.MAX_VALUE);
    }

    /**
     * Writes {@code prefixHeaders} (LF lines) then {@code content} (CRLF lines, stored as LF) as a
     * new message, and returns its path in {@code new/}. Once this returns the message is on disk
     * and named; if it throws, nothing is left behind in {@code tmp/} or {@code new/}.
     *
     * @param maxBytes the most bytes the file may take on disk; more throws {@link TooLarge}
     */
    public Path deliver(byte[] prefixHeaders, InputStream content, long maxBytes) throws IOException {
        String unique = UniqueName.next();
        Path written = tmp.resolve(unique);
        Path delivered = null;
        try {
            UnixLineEnds.Sizes sizes;
            try (FileChannel file = FileChannel.open(written, Set.of(StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE), PRIVATE_FILE)) {
                var all = new SequenceInputStream(new ByteArrayInputStream(prefixHeaders), content);
                sizes = UnixLineEnds.copy(all, Channels.newOutputStream(file), maxBytes);
                file.force(true); // the data must be on disk before a name in new/ says it was delivered
            }
            delivered = fresh.resolve(unique + ",S=" + sizes.bytes() + ",W=" + sizes.rfc822Size());
            // rename(2), as Dovecot does; the unique name cannot collide, so link+unlink buys nothing.
            Files.move(written, delivered, StandardCopyOption.ATOMIC_MOVE);
            directories.sync(fresh);
            return delivered;
        } catch (IOException | RuntimeException e) {
            removeQuietly(written, e);
            // Unsure the name reached the disk: withdraw it, as the caller will retry the delivery.
            if (delivered != null) removeQuietly(delivered, e);
            throw e;
        }
    }

    /**
     * Bytes used by the messages in {@code new/} and {@code cur/}: the {@code ,S=} size from the
     * name when it has one (no stat needed), else the file's size. Messages moved or expunged by a
     * reader during the scan may be missed or counted twice; a quota only needs an estimate.
     */
    public long usage() throws IOException {
        long total = 0;
        for (Path dir : List.of(fresh, cur)) {
            try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
                for (Path file : files) total += size(file);
            } catch (DirectoryIteratorException e) {
                throw e.getCause();
            }
        }
        return total;
    }

    private static long size(Path file) throws IOException {
        String name = file.getFileName().toString();
        if (name.startsWith(".")) return 0; // not a message: readers skip dot files
        int colon = name.indexOf(':'); // ":2,FLAGS" in cur/ is not part of the unique name
        for (String field : (colon < 0 ? name : name.substring(0, colon)).split(",")) {
            if (field.startsWith("S=")) {
                try {
                    return Long.parseLong(field, 2, field.length(), 10);
                } catch (NumberFormatException e) {
                    break;
                }
            }
        }
        try {
            return Files.size(file);
        } catch (NoSuchFileException e) {
            return 0; // moved to cur/ or expunged since the directory was listed
        }
    }

    private static void removeQuietly(Path file, Exception cause) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            cause.addSuppressed(e);
        }
    }
}
