package dev.facteur.smtp;

import dev.facteur.io.ByteScan;
import dev.facteur.io.Deadlines.Deadline;
import java.io.EOFException;
import java.io.Flushable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;

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
    private final Flushable beforeWait;
    private final Deadline deadline;
    private long timeoutNanos = Long.MAX_VALUE;
    // An idle connection holds only a small buffer (thousands of them may wait for their first
    // command); content is read in bigger gulps, and a connection that sends mail keeps that buffer.
    private static final int COMMAND_BUFFER = 1024;
    private static final int CONTENT_BUFFER = 16 * 1024;
    private byte[] buf = new byte[COMMAND_BUFFER];
    private int pos;
    private int end;

    SmtpInput(InputStream in) {
        this(in, () -> {}, null);
    }

    SmtpInput(InputStream in, Flushable beforeWait) {
        this(in, beforeWait, null);
    }

    /**
     * @param beforeWait flushed before every read that may block: replies held back for a pipelined
     *                   batch must be on their way before the server waits for more (RFC 2920 §3.2),
     *                   even when part of the next command is already buffered
     * @param deadline    armed with {@link #timeout} around every wait for the client (flushing
     *                    the replies, then reading), or null for no timeout
     */
    SmtpInput(InputStream in, Flushable beforeWait, Deadline deadline) {
        this.in = in;
        this.beforeWait = beforeWait;
        this.deadline = deadline;
    }

    /** How long each wait for the client may take from now on (RFC 5321 §4.5.3.2: per command, per data block). */
    void timeout(Duration d) {
        timeoutNanos = d.toNanos();
    }

    /** Switches to a new stream (after the TLS handshake) and forgets any buffered plaintext. */
    void replaceStream(InputStream newIn) {
        in = newIn;
        discardBuffered();
    }

    /** Drops what the client pipelined; required at STARTTLS (CVE-2011-0411). */
    void discardBuffered() {
        pos = end = 0;
    }

    private void growForContent() {
        if (buf.length >= CONTENT_BUFFER) return;
        byte[] bigger = new byte[CONTENT_BUFFER];
        System.arraycopy(buf, pos, bigger, 0, end - pos);
        end -= pos;
        pos = 0;
        buf = bigger;
    }

    /** Whether the client has sent bytes no command has consumed yet: it did not wait for our reply. */
    boolean hasBuffered() {
        return pos < end;
    }

    /**
     * Waits up to {@code pause} for the client to send anything, keeping what it sends for the
     * next read (postscreen's greet pause): an honest client waits for the greeting. False when
     * it stayed silent, or hung up (the next read sees the end).
     */
    boolean talksWithin(Socket socket, Duration pause) throws IOException {
        if (pos < end) return true;
        socket.setSoTimeout((int) Math.clamp(pause.toMillis(), 1, Integer.MAX_VALUE));
        try {
            int n = in.read(buf, 0, buf.length);
            if (n <= 0) return false;
            pos = 0;
            end = n;
            return true;
        } catch (SocketTimeoutException e) {
            return false; // silent, as it should be; the socket stays usable
        } finally {
            socket.setSoTimeout(0);
        }
    }

    private boolean fill() throws IOException {
        if (pos < end) return true;
        int n;
        if (deadline != null) deadline.arm(timeoutNanos);
        try {
            beforeWait.flush();
            n = in.read(buf, 0, buf.length);
        } finally {
            if (deadline != null) deadline.disarm();
        }
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
        growForContent();
        var out = new BoundedSink(sink, maxSize);
        int state = BOL;
        boolean heldCr = false, bare = false, nul = false;
        while (true) {
            if (!fill()) throw new EOFException("connection closed during DATA");
            // Bytes go to the sink in runs: a run ends only where a byte is dropped (a stuffed
            // dot) or at the end of the buffer, so a whole buffer of lines is usually one write.
            int runStart = pos;
            while (pos < end) {
                if (state == MID) {
                    // Hot loop: no byte above 0x0F needs a look (CR, LF and NUL are below).
                    pos = ByteScan.indexOfLow(buf, pos, end);
                    if (pos == end) break;
                }
                byte b = buf[pos++];
                switch (state) {
                    case BOL -> {
                        if (b == '.') {
                            out.write(buf, runStart, pos - 1 - runStart);
                            runStart = pos;
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
                        if (b == '\n') return new ContentCheck(out.size, out.tooBig, bare, nul);
                        bare = true;
                        if (heldCr) {
                            out.write(CR_BYTE, 0, 1); // the CR kept back at the previous buffer's end
                            heldCr = false;
                        }
                    }
                    case CR -> {
                        if (b == '\n') {
                            state = BOL;
                            continue;
                        }
                        bare = true;
                    }
                    default -> { }
                }
                // b is now a byte in the middle of a line.
                if (b == '\r') {
                    state = CR;
                } else {
                    state = MID;
                    if (b == '\n') bare = true;
                    else if (b == 0) nul = true;
                }
            }
            // A CR after a line-start dot may begin the terminator: keep it back until the next byte.
            heldCr = state == DOT_CR;
            out.write(buf, runStart, (heldCr ? end - 1 : end) - runStart);
        }
    }

    private static final byte[] CR_BYTE = {'\r'};

    /** Counts content bytes and passes them on while the total stays within the limit. */
    private static final class BoundedSink {
        private final OutputStream sink;
        private final long maxSize;
        long size;
        boolean tooBig;

        BoundedSink(OutputStream sink, long maxSize) {
            this.sink = sink;
            this.maxSize = maxSize;
        }

        void write(byte[] b, int off, int len) throws IOException {
            if (len <= 0) return;
            if (!tooBig) {
                if (size + len > maxSize) tooBig = true;
                else sink.write(b, off, len);
            }
            size += len;
        }
    }

    /**
     * Reads exactly {@code n} bytes of a BDAT chunk (RFC 3030 §2), writing them to {@code sink}
     * while the running total stays within {@code maxSize}. The checker keeps line-end state
     * across chunks, since a CR LF may straddle two.
     */
    ContentCheck readChunk(long n, OutputStream sink, long sizeSoFar, long maxSize, LineEndCheck checker)
            throws IOException {
        if (n > 0) growForContent();
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
                if ((c & 0xF0) != 0 && !afterCr) continue; // CR, LF and NUL are all below 0x10
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
