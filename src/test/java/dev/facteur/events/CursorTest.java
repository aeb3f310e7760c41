package dev.facteur.events;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CursorTest {

    @TempDir
    Path dir;

    private final FaultyDisk disk = new FaultyDisk();

    @Test
    void savedAsOneReadableLineAndReadBack() throws IOException {
        var cursor = new Cursor(dir, disk);
        assertThat(cursor.saved()).isEmpty();

        cursor.save(new Position(12, 4096));

        assertThat(Files.readString(dir.resolve("webhook.cursor"))).isEqualTo("12 4096\n");
        assertThat(new Cursor(dir, disk).saved()).contains(new Position(12, 4096));
    }

    @Test
    void writtenWholeAndSyncedBeforeItReplacesTheOldOneAndTheRenameSynced() throws IOException {
        new Cursor(dir, disk).save(new Position(3, 100));

        assertThat(disk.take()).containsExactly("write webhook.cursor.new", "force webhook.cursor.new",
                "move webhook.cursor.new webhook.cursor", "sync-directory " + dir.getFileName());
    }

    @Test
    void aFailedSaveLeavesTheOldCursor() throws IOException {
        var cursor = new Cursor(dir, disk);
        cursor.save(new Position(3, 100));
        disk.fail(op -> op.startsWith("force"));

        try {
            cursor.save(new Position(3, 900));
        } catch (IOException expected) {
            // the sender logs it and goes on
        }
        assertThat(cursor.saved()).contains(new Position(3, 100));
    }

    @Test
    void aCursorThatDoesNotReadIsNone() throws IOException {
        Files.writeString(dir.resolve("webhook.cursor"), "twelve\n");
        var cursor = new Cursor(dir, disk);

        assertThat(cursor.saved()).isEmpty();
        assertThat(cursor.exists()).isTrue(); // and the sender starts from the oldest event kept
    }
}
