package dev.facteur.auth.dkim;

import java.io.OutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The body hash (RFC 6376 §3.7), computed as the body streams through {@link #write} and closed
 * by {@link #digest}. Line ends are CRLF as stored; a CR or LF alone is part of its line. Nothing
 * is held but a few states and a count of empty lines: empty lines wait until a line with content
 * follows (those at the end do not count, §3.4.3, §3.4.4), and in relaxed canonicalization a run
 * of white space waits until it is known not to end its line. With a body length ({@code l=},
 * §3.5) only that many canonicalized octets are hashed; all of them are counted.
 */
public final class BodyHash extends OutputStream {

    private static final byte[] CRLF = {'\r', '\n'};

    private final boolean relaxed;
    private final MessageDigest digest;
    private final long limit;
    private final byte[] out = new byte[8192]; // canonicalized octets not yet hashed
    private int outLength;
    private long length; // canonicalized octets so far
    private long emptyLines;
    private boolean lineStarted; // the current line has content (not counting white space waiting)
    private boolean pendingCr;
    private boolean pendingSpace;

    public BodyHash(Canonicalization canonicalization, String algorithm) {
        this(canonicalization, algorithm, Long.MAX_VALUE);
    }

    /** Hashes the first {@code limit} octets of the canonicalized body only (l=). */
    public BodyHash(Canonicalization canonicalization, String algorithm, long limit) {
        if (limit < 0) throw new IllegalArgumentException("l= is never negative");
        this.relaxed = canonicalization == Canonicalization.RELAXED;
        this.limit = limit;
        try {
            this.digest = MessageDigest.getInstance(algorithm);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalArgumentException(e);
        }
    }

    @Override
    public void write(int b) {
        b &= 0xFF;
        if (pendingCr) {
            pendingCr = false;
            if (b == '\n') {
                endLine();
                return;
            }
            content('\r');
        }
        if (b == '\r') pendingCr = true;
        else if (relaxed && (b == ' ' || b == '\t')) pendingSpace = true;
        else content(b);
    }

    @Override
    public void write(byte[] b) {
        write(b, 0, b.length);
    }

    @Override
    public void write(byte[] b, int off, int len) {
        for (int i = off; i < off + len; i++) write(b[i]);
    }

    private void content(int b) {
        if (!lineStarted) {
            for (; emptyLines > 0; emptyLines--) emit(CRLF);
            lineStarted = true;
        }
        if (pendingSpace) {
            emit(' ');
            pendingSpace = false;
        }
        emit(b);
    }

    private void endLine() {
        pendingSpace = false; // §3.4.4: white space at the end of a line is deleted
        if (lineStarted) emit(CRLF);
        else emptyLines++;
        lineStarted = false;
    }

    private void emit(byte[] bytes) {
        for (byte b : bytes) emit(b);
    }

    private void emit(int b) {
        if (length++ >= limit) return;
        if (outLength == out.length) flush();
        out[outLength++] = (byte) b;
    }

    @Override
    public void flush() {
        digest.update(out, 0, outLength);
        outLength = 0;
    }

    /** The hash of the body written; ends it (a last line without CRLF counts as ended by one). */
    public byte[] digest() {
        if (pendingCr) {
            pendingCr = false;
            content('\r');
        }
        if (lineStarted) endLine();
        // §3.4.3: an empty body is one CRLF for simple; §3.4.4: nothing at all for relaxed
        if (length == 0 && !relaxed) emit(CRLF);
        flush();
        return digest.digest();
    }

    /** How long the canonicalized body is, in octets, l= or not; complete once {@link #digest} was called. */
    public long canonicalLength() {
        return length;
    }
}
