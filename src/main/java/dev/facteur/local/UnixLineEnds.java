package dev.facteur.local;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * Copies stored content (CRLF lines, as SMTP carries them) into a Maildir file (LF lines, as Unix
 * mail readers expect). Only CR LF pairs become LF; a lone CR or LF is kept as it is, so the file
 * is the message byte for byte apart from its line ends.
 *
 * <p>Counts on the way the two sizes Maildir++ puts in the file name: {@code S}, the bytes on
 * disk, and {@code W}, the RFC 822 size a reader computes by turning every LF not preceded by CR
 * back into CR LF (what Dovecot reports to IMAP clients as RFC822.SIZE).
 */
final class UnixLineEnds {

    /** Sizes of what was written: {@code bytes} on disk and {@code rfc822Size} with CRLF line ends. */
    record Sizes(long bytes, long rfc822Size) {}

    private static final int CHUNK = 64 * 1024;

    private final OutputStream out;
    private final long maxBytes;
    private final byte[] buffer = new byte[CHUNK + 1]; // a held-back CR plus one chunk
    private int buffered;
    private int last = -1; // the last byte written, to tell whether an LF follows a CR on disk
    private long bytes;
    private long rfc822Size;

    private UnixLineEnds(OutputStream out, long maxBytes) {
        this.out = out;
        this.maxBytes = maxBytes;
    }

    /** Copies all of {@code in}; throws {@link Maildir.TooLarge} as soon as more than maxBytes would be written. */
    static Sizes copy(InputStream in, OutputStream out, long maxBytes) throws IOException {
        var copier = new UnixLineEnds(out, maxBytes);
        byte[] chunk = new byte[CHUNK];
        boolean heldCr = false; // a CR whose fate depends on the next byte, possibly in the next chunk
        for (int n; (n = in.read(chunk)) >= 0; ) {
            for (int i = 0; i < n; i++) {
                byte b = chunk[i];
                if (heldCr && b != '\n') copier.put((byte) '\r');
                heldCr = b == '\r';
                if (!heldCr) copier.put(b);
            }
            copier.flush();
        }
        if (heldCr) copier.put((byte) '\r');
        copier.flush();
        return new Sizes(copier.bytes, copier.rfc822Size);
    }

    private void put(byte b) {
        buffer[buffered++] = b;
        rfc822Size += b == '\n' && last != '\r' ? 2 : 1;
        last = b;
    }

    private void flush() throws IOException {
        bytes += buffered;
        if (bytes > maxBytes) throw new Maildir.TooLarge(maxBytes);
        out.write(buffer, 0, buffered);
        buffered = 0;
    }
}
