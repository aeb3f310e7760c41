package dev.facteur.auth.dkim;

import java.io.OutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The body hash (RFC 6376 §3.7), computed as the body streams through {@link #write}: each line
 * canonicalized as it ends, empty lines held back until a line with content follows (those at the
 * end do not count), and the whole closed by {@link #digest}. Line ends are CRLF as stored.
 */
public final class BodyHash extends OutputStream {

    private final Canonicalization canonicalization;
    private final MessageDigest digest;
    private final StringBuilder line = new StringBuilder(); // the current line, without its CRLF, one char per byte
    private long emptyLines;
    private boolean anyContent;
    private boolean pendingCr;

    public BodyHash(Canonicalization canonicalization, String algorithm) {
        this.canonicalization = canonicalization;
        try {
            this.digest = MessageDigest.getInstance(algorithm);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalArgumentException(e);
        }
    }

    @Override
    public void write(int b) {
        if (pendingCr) {
            pendingCr = false;
            if (b == '\n') {
                endLine();
                return;
            }
            line.append('\r');
        }
        if (b == '\r') pendingCr = true;
        else line.append((char) (b & 0xFF));
    }

    @Override
    public void write(byte[] b, int off, int len) {
        for (int i = off; i < off + len; i++) write(b[i]);
    }

    private void endLine() {
        String l = line.toString();
        line.setLength(0);
        if (canonicalization == Canonicalization.RELAXED) l = l.replaceAll("[ \t]+", " ").replaceAll(" $", "");
        if (l.isEmpty()) {
            emptyLines++;
            return;
        }
        flushEmptyLines();
        update(l);
        update("\r\n");
        anyContent = true;
    }

    private void flushEmptyLines() {
        for (; emptyLines > 0; emptyLines--) update("\r\n");
    }

    private void update(String s) {
        for (int i = 0; i < s.length(); i++) digest.update((byte) s.charAt(i));
    }

    /** The hash of the body written; ends it (a last line without CRLF counts as ended by one). */
    public byte[] digest() {
        if (pendingCr) {
            line.append('\r');
            pendingCr = false;
        }
        if (!line.isEmpty()) endLine();
        // §3.4.3: an empty body is one CRLF for simple; §3.4.4: nothing at all for relaxed
        if (!anyContent && canonicalization == Canonicalization.SIMPLE) update("\r\n");
        return digest.digest();
    }
}
