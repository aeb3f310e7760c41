package dev.facteur.smtp;

import java.io.IOException;
import java.io.OutputStream;

/**
 * Counts the {@code Received:} header fields of a message as its content goes by. RFC 5321
 * §6.3: a message caught in a forwarding loop between servers collects one trace field per
 * pass, so too many of them means a loop; Postfix draws the line at 50, and so do we. Only the
 * header section is looked at; the body passes through untouched.
 */
final class HopCounter extends OutputStream {

    static final int MAX_HOPS = 50;
    private static final byte[] RECEIVED = "received:".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private final OutputStream out;
    private boolean inHeader = true;
    private int lineLength;
    private boolean lineIsReceived = true; // so far, the line matches "received:"
    private byte firstByte;
    private int hops;

    HopCounter(OutputStream out) {
        this.out = out;
    }

    int hops() {
        return hops;
    }

    @Override
    public void write(int b) throws IOException {
        if (inHeader) scan((byte) b);
        out.write(b);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        for (int i = off; inHeader && i < off + len; i++) scan(b[i]);
        out.write(b, off, len);
    }

    private void scan(byte c) {
        if (c == '\n') {
            if (lineLength == 0 || (lineLength == 1 && firstByte == '\r')) inHeader = false; // the empty line ends the header

            lineLength = 0;
            lineIsReceived = true;
            return;
        }
        if (lineLength == 0) firstByte = c;
        if (lineLength < RECEIVED.length) {
            lineIsReceived &= Character.toLowerCase(c) == RECEIVED[lineLength];
            if (lineIsReceived && lineLength == RECEIVED.length - 1) hops++;
        }
        lineLength++;
    }
}
