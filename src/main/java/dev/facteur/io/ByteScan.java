package dev.facteur.io;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Finds bytes in message content eight at a time. Mail content is mostly long runs of ordinary
 * bytes between line ends; the DATA decoder and the dot-stuffer spend their time skipping those
 * runs, and a word-at-a-time test (the "has a zero byte" trick) skips them several times faster
 * than a byte loop.
 */
public final class ByteScan {

    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long ONES = 0x0101010101010101L;
    private static final long HIGHS = 0x8080808080808080L;
    private static final long HIGH_NIBBLES = 0xF0F0F0F0F0F0F0F0L;

    private ByteScan() {}

    private static boolean hasZeroByte(long x) {
        return ((x - ONES) & ~x & HIGHS) != 0;
    }

    /** Index of the first {@code target} in {@code b[from, to)}, or {@code to} when there is none. */
    public static int indexOf(byte[] b, int from, int to, byte target) {
        long pattern = (target & 0xFFL) * ONES;
        int i = from;
        while (i + 8 <= to && !hasZeroByte((long) LONGS.get(b, i) ^ pattern)) i += 8;
        while (i < to && b[i] != target) i++;
        return i;
    }

    /**
     * Index of the first byte in {@code b[from, to)} below 0x10 (where CR, LF and NUL are), or
     * {@code to} when there is none.
     */
    public static int indexOfLow(byte[] b, int from, int to) {
        int i = from;
        while (i + 8 <= to && !hasZeroByte((long) LONGS.get(b, i) & HIGH_NIBBLES)) i += 8;
        while (i < to && (b[i] & 0xF0) != 0) i++;
        return i;
    }
}
