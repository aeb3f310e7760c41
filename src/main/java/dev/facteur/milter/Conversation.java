package dev.facteur.milter;

import dev.facteur.milter.MilterException.Kind;
import dev.facteur.milter.PacketReader.Packet;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.function.Function;

/**
 * The packets to and from one filter, each exchange under its timeout. The first failure of any
 * kind ends the connection and becomes the {@link MilterException} every later exchange throws.
 */
final class Conversation {

    /** One exchange: packets written, perhaps packets read. */
    @FunctionalInterface
    interface Exchange<T> {
        T run() throws IOException;
    }

    private final String name;
    private final Link link;
    private final PacketReader in;
    private final OutputStream out;
    private final Watch deadline;
    private volatile boolean timedOut;
    private Duration timeout = Duration.ZERO;
    private MilterException failure;

    Conversation(String name, Link link, int maxPacket, Function<Runnable, Watch> watches) {
        this.name = name;
        this.link = link;
        this.in = new PacketReader(link.in(), maxPacket);
        // a whole body chunk and its macros in one write: no packet waits for the next one's ACK
        this.out = new BufferedOutputStream(link.out(), Protocol.CHUNK + 1024);
        this.deadline = watches.apply(this::expired);
    }

    /**
     * Runs one exchange under {@code limit}, which starts again at each packet written or read,
     * and flushes what it wrote. {@code what} names it in the exception.
     */
    <T> T exchange(String what, Duration limit, Exchange<T> exchange) throws MilterException {
        if (failure != null)
            throw new MilterException(failure.kind(), name + ": unusable after an earlier failure: " + failure.getMessage(), failure);
        timeout = limit;
        deadline.arm(limit.toNanos());
        try {
            T result = exchange.run();
            out.flush();
            return result;
        } catch (IOException e) {
            failure = timedOut ? new MilterException(Kind.TIMEOUT, name + ": no answer to " + what + " within " + seconds(limit), e)
                    : e instanceof MilterException m ? new MilterException(m.kind(), name + ": " + what + ": " + m.getMessage(), m)
                    : new MilterException(Kind.CLOSED, name + ": connection lost during " + what + ": " + e.getMessage(), e);
            link.close();
            throw failure;
        } finally {
            deadline.disarm();
        }
    }

    /** Writes a packet (buffered: {@link #flush} or the end of the exchange sends it). */
    Void write(byte code, byte[] data) throws IOException {
        deadline.arm(timeout.toNanos());
        int length = data.length + 1;
        out.write(new byte[] {(byte) (length >>> 24), (byte) (length >>> 16), (byte) (length >>> 8), (byte) length, code});
        out.write(data);
        return null;
    }

    void flush() throws IOException {
        out.flush();
    }

    Packet read() throws IOException {
        Packet p = in.read();
        deadline.arm(timeout.toNanos()); // each packet is progress: the timeout starts again
        return p;
    }

    /** Whether more can be said: no failure, and not closed. */
    boolean open() {
        return failure == null && !link.isClosed();
    }

    void close() {
        deadline.close();
        link.close();
    }

    /** The deadline passed: ending the connection ends the blocked read or write. */
    private void expired() {
        timedOut = true;
        link.close();
    }

    /** "30 s", or "300 ms" below a whole second. */
    static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
    }
}
