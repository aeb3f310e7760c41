package dev.facteur.milter;

import dev.facteur.io.Deadlines;
import dev.facteur.io.Deadlines.Deadline;
import dev.facteur.milter.MilterException.Kind;
import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.time.Duration;

/** The byte streams to one filter, over TCP or a unix socket, and how to end them from another thread. */
final class Link {

    private final Closeable connection;
    private final InputStream in;
    private final OutputStream out;
    private volatile boolean closed;

    private Link(Closeable connection, InputStream in, OutputStream out) {
        this.connection = connection;
        this.in = in;
        this.out = out;
    }

    InputStream in() {
        return in;
    }

    OutputStream out() {
        return out;
    }

    /** Connects within {@code timeout}; MilterException (UNAVAILABLE) when that fails. */
    static Link connect(MilterAddress address, Duration timeout) throws MilterException {
        return switch (address) {
            case MilterAddress.Inet inet -> tcp(address, inet.hostPort().toSocketAddress(), timeout);
            case MilterAddress.Unix unix -> unix(address, unix, timeout);
        };
    }

    private static Link tcp(MilterAddress name, InetSocketAddress at, Duration timeout) throws MilterException {
        Socket s = new Socket();
        try {
            if (at.isUnresolved()) throw new IOException("cannot resolve " + at.getHostString());
            s.setTcpNoDelay(true); // a reply-less header or the end of the message must not wait for an ACK
            s.connect(at, (int) Math.min(Integer.MAX_VALUE, timeout.toMillis()));
            return new Link(s, new BufferedInputStream(s.getInputStream(), 8192), s.getOutputStream());
        } catch (IOException e) {
            closeQuietly(s);
            String why = e instanceof SocketTimeoutException ? "no answer within " + Conversation.seconds(timeout) : e.toString();
            throw new MilterException(Kind.UNAVAILABLE, "milter " + name + ": cannot connect: " + why, e);
        }
    }

    /** A unix socket's connect blocks without a timeout of its own (a full backlog): a deadline closes it. */
    private static Link unix(MilterAddress name, MilterAddress.Unix unix, Duration timeout) throws MilterException {
        SocketChannel ch = null;
        try {
            ch = SocketChannel.open(StandardProtocolFamily.UNIX);
            SocketChannel channel = ch;
            try (Deadline guard = Deadlines.register(() -> closeQuietly(channel))) {
                guard.arm(timeout.toNanos());
                ch.connect(UnixDomainSocketAddress.of(unix.path()));
            }
            return new Link(ch, new BufferedInputStream(Channels.newInputStream(ch), 8192), Channels.newOutputStream(ch));
        } catch (IOException e) {
            closeQuietly(ch);
            String why = e instanceof AsynchronousCloseException ? "no answer within " + Conversation.seconds(timeout) : e.toString();
            throw new MilterException(Kind.UNAVAILABLE, "milter " + name + ": cannot connect: " + why, e);
        }
    }

    /** Ends the connection; a read or write blocked on it in another thread fails at once. */
    void close() {
        closed = true;
        closeQuietly(connection);
    }

    boolean isClosed() {
        return closed;
    }

    static void closeQuietly(Closeable c) {
        if (c == null) return;
        try {
            c.close();
        } catch (IOException ignored) {
            // closing is all we wanted
        }
    }
}
