package dev.facteur.smtp;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;

/**
 * A unix-domain connection seen as a {@link Socket}, for the local submission socket: the SMTP
 * connection loop reads and writes streams and never needs TCP. Its peer is this host.
 */
final class UnixSocket extends Socket {

    private final SocketChannel channel;
    private final InputStream in;
    private final OutputStream out;

    UnixSocket(SocketChannel channel) {
        this.channel = channel;
        this.in = Channels.newInputStream(channel);
        this.out = Channels.newOutputStream(channel);
    }

    @Override
    public InputStream getInputStream() {
        return in;
    }

    @Override
    public OutputStream getOutputStream() {
        return out;
    }

    @Override
    public InetAddress getInetAddress() {
        return InetAddress.getLoopbackAddress();
    }

    @Override
    public int getPort() {
        return 0;
    }

    @Override
    public void setTcpNoDelay(boolean on) {
        // not TCP
    }

    @Override
    public void setSoTimeout(int timeout) {
        // reads end by the connection's deadline, which closes the channel
    }

    @Override
    public void shutdownInput() throws IOException {
        channel.shutdownInput();
    }

    @Override
    public void shutdownOutput() throws IOException {
        channel.shutdownOutput();
    }

    @Override
    public boolean isClosed() {
        return !channel.isOpen();
    }

    @Override
    public synchronized void close() throws IOException {
        channel.close();
    }
}
