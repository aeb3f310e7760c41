package dev.facteur.spool;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpillBufferTest {

    @TempDir
    Path dir;

    private static byte[] concat(ByteBuffer[] parts) {
        var all = new ByteArrayOutputStream();
        for (ByteBuffer b : parts) all.write(b.array(), b.arrayOffset() + b.position(), b.remaining());
        return all.toByteArray();
    }

    private static byte[] writeInRandomPieces(SpillBuffer buffer, int size, Random random) throws IOException {
        byte[] content = new byte[size];
        random.nextBytes(content);
        for (int at = 0; at < size; ) {
            int n = Math.min(size - at, random.nextInt(3) == 0 ? 1 : random.nextInt(20_000));
            if (n == 1) buffer.write(content[at]);
            else buffer.write(content, at, n);
            at += n;
        }
        return content;
    }

    @Test
    void contentUnderTheLimitStaysInMemoryInOrder() throws IOException {
        var random = new Random(1);
        for (int size : new int[] {0, 1, 8191, 8192, 8193, 100_000, 1_000_000}) {
            var buffer = new SpillBuffer(1_000_000, dir.resolve("m" + size), Disk.SYSTEM);
            byte[] content = writeInRandomPieces(buffer, size, random);
            assertThat(buffer.spilled()).isFalse();
            assertThat(buffer.size()).isEqualTo(size);
            assertThat(concat(buffer.contents())).isEqualTo(content);
            assertThat(dir.resolve("m" + size)).doesNotExist();
        }
    }

    @Test
    void whatWasWrittenCanBeReadAgainFromMemoryOrFileAndWritingGoesOn() throws IOException {
        for (int limit : new int[] {1_000_000, 100_000}) { // in memory; spilled to a file
            var file = dir.resolve("again" + limit);
            var buffer = new SpillBuffer(limit, file, Disk.SYSTEM);
            var random = new Random(3);
            byte[] first = writeInRandomPieces(buffer, 250_000, random);
            try (var in = buffer.written()) {
                assertThat(in.readAllBytes()).isEqualTo(first);
            }
            try (var in = buffer.written()) {
                assertThat(in.readAllBytes()).as("as often as needed").isEqualTo(first);
            }
            byte[] more = writeInRandomPieces(buffer, 1000, random);
            var whole = new ByteArrayOutputStream();
            whole.writeBytes(first);
            whole.writeBytes(more);
            try (var in = buffer.written()) {
                assertThat(in.readAllBytes()).isEqualTo(whole.toByteArray());
            }
            assertThat(buffer.spilled()).isEqualTo(limit < 250_000);
            if (buffer.spilled()) {
                buffer.syncAndClose();
                assertThat(Files.readAllBytes(file)).isEqualTo(whole.toByteArray());
            }
        }
    }

    @Test
    void contentOverTheLimitGoesToTheFileWhole() throws IOException {
        var file = dir.resolve("big");
        var buffer = new SpillBuffer(100_000, file, Disk.SYSTEM);
        byte[] content = writeInRandomPieces(buffer, 250_000, new Random(2));
        assertThat(buffer.spilled()).isTrue();
        buffer.syncAndClose();
        assertThat(Files.readAllBytes(file)).isEqualTo(content);
    }

    @Test
    void discardRemovesTheSpillFile() throws IOException {
        var file = dir.resolve("gone");
        var buffer = new SpillBuffer(10, file, Disk.SYSTEM);
        buffer.write(new byte[100], 0, 100);
        buffer.discard();
        assertThat(file).doesNotExist();
    }
}
