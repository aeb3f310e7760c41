package dev.facteur.io;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

class ByteScanTest {

    private static int slowIndexOf(byte[] b, int from, int to, byte target) {
        for (int i = from; i < to; i++) if (b[i] == target) return i;
        return to;
    }

    private static int slowIndexOfLow(byte[] b, int from, int to) {
        for (int i = from; i < to; i++) if ((b[i] & 0xFF) < 0x10) return i;
        return to;
    }

    @Test
    void findsTheSameBytesAsAByteLoopAtEveryAlignment() {
        var random = new Random(42);
        byte[] alphabet = {'a', 'z', '.', '\r', '\n', 0, 0x0F, 0x10, (byte) 0x80, (byte) 0xFF, (byte) 0xAE, 0x2F};
        for (int round = 0; round < 20_000; round++) {
            byte[] b = new byte[random.nextInt(64)];
            int sparse = 1 + random.nextInt(40);
            for (int i = 0; i < b.length; i++)
                b[i] = random.nextInt(sparse) == 0 ? alphabet[random.nextInt(alphabet.length)] : (byte) ('A' + random.nextInt(26));
            int from = b.length == 0 ? 0 : random.nextInt(b.length);
            int to = from + random.nextInt(b.length - from + 1);
            for (byte target : new byte[] {'.', '\n', 0, (byte) 0xFF, (byte) 0x80})
                assertThat(ByteScan.indexOf(b, from, to, target)).isEqualTo(slowIndexOf(b, from, to, target));
            assertThat(ByteScan.indexOfLow(b, from, to)).isEqualTo(slowIndexOfLow(b, from, to));
        }
    }

    @Test
    void nothingFoundIsTheEndOfTheRange() {
        byte[] b = "no line end in here at all".getBytes();
        assertThat(ByteScan.indexOf(b, 0, b.length, (byte) '\n')).isEqualTo(b.length);
        assertThat(ByteScan.indexOfLow(b, 3, 10)).isEqualTo(10);
    }
}
