package dev.facteur.local;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Directories whose names survive a crash. A new name is on disk only once the directory holding it
 * is fsynced, and finding a directory already there proves nothing: a concurrent delivery may have
 * just made it and not synced yet. So whoever made a directory, its parent is synced before it is
 * used, once; the directories known durable are remembered (with their file key, so one removed
 * and made again is synced again), and opening a Maildir again costs a stat per directory.
 */
final class DurableDirectories {

    /** fsync(2) of a directory, so the names in it are on disk. */
    @FunctionalInterface
    interface Fsync {
        void force(Path directory) throws IOException;

        Fsync SYSTEM = directory -> {
            try (FileChannel d = FileChannel.open(directory, StandardOpenOption.READ)) {
                d.force(true);
            }
        };
    }

    /** Past this many the memory starts again: forgetting costs an fsync, never durability. */
    static final int MAX_REMEMBERED = 100_000;

    // Mail is private to its owner: mode 0700 directories, whatever the umask.
    private static final FileAttribute<Set<PosixFilePermission>> PRIVATE_DIRECTORY =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"));

    private final Fsync fsync;
    private final Map<Path, Object> durable = new ConcurrentHashMap<>(); // directory -> its file key

    DurableDirectories(Fsync fsync) {
        this.fsync = fsync;
    }

    /** Syncs {@code directory}, so the names just made in it are on disk. */
    void sync(Path directory) throws IOException {
        fsync.force(directory);
    }

    /**
     * Makes each of {@code directories} exist (mode 0700 when made here, missing parents too) with
     * its name on disk. Syncs nothing for those already known durable.
     */
    void create(List<Path> directories) throws IOException {
        Map<Path, Object> keys = new LinkedHashMap<>();
        Set<Path> parents = new LinkedHashSet<>();
        for (Path dir : directories) {
            if (isKnownDurable(dir)) continue;
            keys.put(dir, exist(dir)); // read before the sync: a directory swapped after it is not taken as synced
            if (dir.getParent() != null) parents.add(dir.getParent());
        }
        for (Path parent : parents) sync(parent);
        keys.forEach(this::remember);
    }

    /** Makes {@code dir} exist, then syncs its parent: whoever made it, its name is then on disk. */
    private void createDurably(Path dir) throws IOException {
        if (isKnownDurable(dir)) return;
        Object key = exist(dir);
        if (dir.getParent() != null) sync(dir.getParent());
        remember(dir, key);
    }

    /**
     * Makes {@code dir} exist, its missing parents durably first (their names are on disk before a
     * name is made in them), and returns its file key. The deepest parent found existing has its
     * own parent synced too; the ones above it were synced by whoever made it, before they made it.
     */
    private Object exist(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            if (dir.getParent() != null) createDurably(dir.getParent());
            try {
                Files.createDirectory(dir, PRIVATE_DIRECTORY);
            } catch (FileAlreadyExistsException e) {
                if (!Files.isDirectory(dir)) throw e; // another delivery made it first: synced all the same
            }
        }
        return Files.readAttributes(dir, BasicFileAttributes.class).fileKey();
    }

    private boolean isKnownDurable(Path dir) {
        Object key = durable.get(dir);
        if (key == null) return false;
        try {
            var attributes = Files.readAttributes(dir, BasicFileAttributes.class);
            return attributes.isDirectory() && key.equals(attributes.fileKey());
        } catch (IOException e) {
            return false; // gone, or unreadable: making it again says which
        }
    }

    private void remember(Path dir, Object key) {
        if (key == null) return; // a file system without file keys: synced every time
        if (durable.size() >= MAX_REMEMBERED) durable.clear();
        durable.put(dir, key);
    }
}
