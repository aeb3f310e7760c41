package dev.facteur.milter;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;

/**
 * Reads the filter's packets: a 4-byte length in network order that counts the code byte, the
 * code, the data. A length the filter chooses is checked before anything is allocated for it.
 */
final class PacketReader {

    /** One packet from the filter. */
    record Packet(byte code, byte[] data) {}

    private final InputStream in;
    private final int maxPacket;

    PacketReader(InputStream in, int maxPacket) {
        this.in = in;
        this.maxPacket = maxPacket;
    }

    /**
     * The next packet. EOFException when the stream ends, between packets or inside one;
     * MilterException (PROTOCOL) for a length of 0 or more than {@code maxPacket}.
     */
    Packet read() throws IOException {
        byte[] head = in.readNBytes(4);
        if (head.length < 4) throw new EOFException(head.length == 0 ? "connection closed" : "connection closed inside a packet length");
        long length = ((head[0] & 0xFFL) << 24) | ((head[1] & 0xFF) << 16) | ((head[2] & 0xFF) << 8) | (head[3] & 0xFF);
        if (length < 1) throw new MilterException(MilterException.Kind.PROTOCOL, "packet length 0: no reply code");
        if (length > maxPacket)
            throw new MilterException(MilterException.Kind.PROTOCOL, "packet length " + length + " over the limit of " + maxPacket);
        int code = in.read();
        if (code < 0) throw new EOFException("connection closed before the reply code");
        byte[] data = in.readNBytes((int) length - 1);
        if (data.length < length - 1) throw new EOFException("connection closed after " + data.length + " of " + (length - 1) + " data bytes");
        return new Packet((byte) code, data);
    }
}
