package dev.facteur.events;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where the webhook has got to in the log, kept in {@code webhook.cursor} beside it: one line,
 * the file's number and the offset of the first event not yet acknowledged, {@code "12 4096"}.
 * Saved after each batch the receiver acknowledged, never before, so that a crash sends again at
 * most the batch whose acknowledgement it interrupted. Written whole to a new file, synced,
 * renamed over the old one and the directory synced: a crash leaves the old cursor or the new one,
 * never a torn one, and the new one stays once saved (a cursor that went back after a power cut
 * would send again every batch since).
 */
final class Cursor {

    static final String NAME = "webhook.cursor";
    private static final Logger log = LoggerFactory.getLogger("facteur.events");

    private final Path dir;
    private final Path file;
    private final Path fresh;
    private final Disk disk;

    Cursor(Path dir, Disk disk) {
        this.dir = dir;
        this.file = dir.resolve(NAME);
        this.fresh = dir.resolve(NAME + ".new");
        this.disk = disk;
    }

    /** The position saved last; none when there is no cursor yet, or it does not read (then it is logged). */
    Optional<Position> saved() throws IOException {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.ISO_8859_1).strip(); // any bytes read: damage is reported below, not thrown
        } catch (NoSuchFileException none) {
            return Optional.empty();
        }
        String[] fields = text.split(" ");
        try {
            if (fields.length == 2) return Optional.of(new Position(Long.parseLong(fields[0]), Long.parseLong(fields[1])));
        } catch (IllegalArgumentException e) {
            // logged below
        }
        log.warn("events: {} does not read (\"{}\"): the webhook starts again from the oldest event kept", file, text);
        return Optional.empty();
    }

    boolean exists() {
        return Files.exists(file);
    }

    void save(Position p) throws IOException {
        byte[] line = (p.file() + " " + p.offset() + "\n").getBytes(StandardCharsets.US_ASCII);
        try (FileChannel ch = FileChannel.open(fresh, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            disk.write(fresh, ch, ByteBuffer.wrap(line));
            disk.force(fresh, ch); // its content on disk before its name replaces the old cursor
        }
        disk.move(fresh, file);
        disk.syncDirectory(dir);
    }
}
