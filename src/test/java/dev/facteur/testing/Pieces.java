package dev.facteur.testing;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import java.io.ByteArrayInputStream;
import java.io.InputStream;

/**
 * A byte stream that hands out its bytes in pieces of fuzzer-chosen sizes, as a slow or hostile
 * network does: readers must not depend on how the bytes arrive.
 */
public final class Pieces extends ByteArrayInputStream {

    private final int[] sizes;
    private int next;

    private Pieces(byte[] bytes, int[] sizes) {
        super(bytes);
        this.sizes = sizes;
    }

    /**
     * Takes up to 8 piece sizes (1..{@code maxPiece}, used in turn) from the end of the data, then
     * the rest as the bytes to hand out.
     */
    public static Pieces from(FuzzedDataProvider data, int maxPiece) {
        int[] sizes = new int[data.consumeInt(1, 8)];
        for (int i = 0; i < sizes.length; i++) sizes[i] = data.consumeInt(1, maxPiece);
        return new Pieces(data.consumeRemainingAsBytes(), sizes);
    }

    public static InputStream of(byte[] bytes, int... sizes) {
        return new Pieces(bytes, sizes);
    }

    @Override
    public synchronized int read(byte[] b, int off, int len) {
        if (len == 0) return 0;
        int piece = sizes[next++ % sizes.length];
        return super.read(b, off, Math.min(len, piece));
    }

    /** The bytes not handed out yet. */
    public synchronized int left() {
        return count - pos;
    }
}
