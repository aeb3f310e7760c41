package dev.facteur.smtp;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * The server's view of the client's byte stream: bounded command lines, the DATA decoder and
 * BDAT chunks, over one buffer. Nothing here grows with what the peer sends: a line longer than
 * the limit is skipped, content beyond the size limit is read and dropped.
 */
final class SmtpInput {

    /** What {@link #readLine} found. */
    sealed interface Line {
        record Text(byte[] bytes) implements Line {}
        record TooLong() implements Line {}
    }

    /** The outcome of one DATA or BDAT read: what was wrong with the content, if anything. */
    record ContentCheck(long size, boolean tooBig, boolean bareLineEnd, boolean nul) {
        boolean clean() {
            return !tooBig && !bareLineEnd && !nul;
        }
    }

    private InputStream in;
    private final byte[] buf = new byte[16 * 1024]; // per connection: fewer reads for big messages, still small when idle
    private int pos;
    private int end;

    SmtpInput(InputStream in) {
        this.in = in;
    }

    /** Switches to a new stream (after the TLS handshake) and forgets any buffered plaintext. */
    void replaceStream(InputStream newIn) {
        in = newIn;
        discardBuffered();
    }

    /** True when the client has already sent more: with PIPELINING the replies can wait. */
    boolean hasBuffered() {
        return pos < end;
    }

    /** Drops what the client pipelined; required at STARTTLS (CVE-2011-0411). */
    void discardBuffered() {
        pos = end = 0;
    }

    private boolean fill() throws IOException {
        if (pos < end) return true;
        int n = in.read(buf, 0, buf.length);
        if (n <= 0) return false;
        pos = 0;
        end = n;
        return true;
    }

    /**
     * Reads one command line up to LF, without its CRLF (a bare LF also ends a command line;
     * only DATA is strict about line ends). Returns null at end of stream.
     */
    Line readLine(int maxLength) throws IOException {
        byte[] line = new byte[128];
        int len = 0;
        boolean tooLong = false;
        while (true) {
            if (!fill()) {
                if (len == 0 && !tooLong) return null;
                throw new EOFException("connection closed in the middle of a line");
            }
            int start = pos;
            while (pos < end && buf[pos] != '\n') pos++;
            int n = pos - start;
            boolean found = pos < end;
            if (found) pos++;
            if (!tooLong) {
                if (len + n > maxLength) {
                    tooLong = true;
                } else {
                    if (len + n > line.length) line = java.util.Arrays.copyOf(line, Math.max(line.length * 2, len + n));
                    System.arraycopy(buf, start, line, len, n);
                    len += n;
                }
            }
            if (found) break;
        }
        if (tooLong) return new Line.TooLong();
        if (len > 0 && line[len - 1] == '\r') len--;
        return new Line.Text(java.util.Arrays.copyOf(line, len));
    }

    private static final int BOL = 0, MID = 1, CR = 2, DOT = 3, DOT_CR = 4;

    /**
     * Reads DATA content up to {@code <CRLF>.<CRLF>} (RFC 5321 §4.1.1.4), removing dot-stuffing
     * (§4.5.2) and writing at most {@code maxSize} bytes to {@code sink}. Only CR LF ends a line:
     * a bare CR or LF is passed through and reported, never taken as a line end, so "\n.\n" and
     * friends cannot end the message early (SMTP smuggling).
     */
    ContentCheck readData(OutputStream sink, long maxSize) throws IOException {
        int state = BOL;
        long size = 0;
        boolean tooBig = false, bare = false, nul = false;
        while (true) {
            if (!fill()) throw new EOFException("connection closed during DATA");
            int runStart = pos;
            // Fast path: copy the plain bytes of a line in one go.
            while (pos < end) {
                byte b = buf[pos];
                if (state == MID && b != '\r' && b != '\n' && b != 0) {
                    pos++;
                    continue;
                }
                // Flush the run before handling a special byte.
                if (pos > runStart) {
                    int n = pos - runStart;
                    if (!tooBig) {
                        if (size + n > maxSize) tooBig = true;
                        else sink.write(buf, runStart, n);
                    }
                    size += n;
                }
                pos++;
                runStart = pos;
                switch (state) {
                    case BOL -> {
                        if (b == '.') {
                            state = DOT;
                            continue;
                        }
                    }
                    case DOT -> {
                        if (b == '\r') {
                            state = DOT_CR;
                            continue;
                        }
                    }
                    case DOT_CR -> {
                        if (b == '\n') return new ContentCheck(size, tooBig, bare, nul);
                        bare = true;
                        size += emit(sink, (byte) '\r', size, maxSize, tooBig);
                        tooBig |= size > maxSize;
                    }
                    case CR -> {
                        if (b == '\n') {
                            size += emit(sink, (byte) '\r', size, maxSize, tooBig);
                            size += emit(sink, (byte) '\n', size, maxSize, tooBig);
                            tooBig |= size > maxSize;
                            state = BOL;
                            continue;
                        }
                        bare = true;
                        size += emit(sink, (byte) '\r', size, maxSize, tooBig);
                        tooBig |= size > maxSize;
                    }
                    default -> { }
                }
                // b is now an ordinary position in the middle of a line.
                state = MID;
                if (b == '\r') {
                    state = CR;
                } else {
                    if (b == '\n') bare = true;
                    if (b == 0) nul = true;
                    size += emit(sink, b, size, maxSize, tooBig);
                    tooBig |= size > maxSize;
                }
            }
            if (pos > runStart) {
                int n = pos - runStart;
                if (!tooBig) {
                    if (size + n > maxSize) tooBig = true;
                    else sink.write(buf, runStart, n);
                }
                size += n;
            }
        }
    }

    private static int emit(OutputStream sink, byte b, long size, long maxSize, boolean tooBig) throws IOException {
        if (!tooBig && size + 1 <= maxSize) sink.write(b);
        return 1;
    }

    /**
     * Reads exactly {@code n} bytes of a BDAT chunk (RFC 3030 §2), writing them to {@code sink}
     * while the running total stays within {@code maxSize}. The checker keeps line-end state
     * across chunks, since a CR LF may straddle two.
     */
    ContentCheck readChunk(long n, OutputStream sink, long sizeSoFar, long maxSize, LineEndCheck checker)
            throws IOException {
        long size = sizeSoFar;
        boolean tooBig = sizeSoFar > maxSize;
        long left = n;
        while (left > 0) {
            if (!fill()) throw new EOFException("connection closed during BDAT");
            int take = (int) Math.min(left, end - pos);
            checker.scan(buf, pos, take);
            if (!tooBig && size + take <= maxSize) sink.write(buf, pos, take);
            else tooBig = true;
            size += take;
            pos += take;
            left -= take;
        }
        return new ContentCheck(size, tooBig, checker.bareLineEnd(), checker.nul());
    }

    /** Tracks bare CR/LF and NUL across BDAT chunks. */
    static final class LineEndCheck {
        private boolean afterCr, bare, nul;

        void scan(byte[] b, int off, int len) {
            for (int i = off; i < off + len; i++) {
                byte c = b[i];
                if (afterCr && c != '\n') bare = true;
                if (c == '\n' && !afterCr) bare = true;
                if (c == 0) nul = true;
                afterCr = c == '\r';
            }
        }

        /** A message ending in a lone CR is as bad as one with a bare CR inside. */
        boolean bareLineEnd() {
            return bare;
        }

        boolean endsCleanly() {
            return !afterCr;
        }

        boolean nul() {
            return nul;
        }
    }
}
