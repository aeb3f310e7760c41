package dev.facteur.milter;

import dev.facteur.net.HostPort;
import dev.facteur.testing.Loopback;
import dev.facteur.testing.Patience;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * A mail filter that follows a script, on a loopback host of this run (or a unix socket), for
 * what no real filter does on purpose: hang, go away in the middle, answer garbage. Every packet
 * it receives is kept, in order, macros included.
 */
public final class FakeFilter implements AutoCloseable {

    /** What the filter does on one connection. */
    @FunctionalInterface
    public interface Script {
        void run(Session s) throws Exception;
    }

    /** One packet from the MTA: its command and data. */
    public record Packet(char code, byte[] data) {
        /** The data as NUL-terminated strings (UTF-8). */
        public List<String> strings() {
            List<String> out = new ArrayList<>();
            int start = 0;
            for (int i = 0; i < data.length; i++) {
                if (data[i] == 0) {
                    out.add(new String(data, start, i - start, StandardCharsets.UTF_8));
                    start = i + 1;
                }
            }
            return out;
        }

        /** For a macro packet: the command it goes with, and name, value, name, value... */
        List<String> macros() {
            List<String> out = new ArrayList<>();
            out.add(String.valueOf((char) data[0]));
            out.addAll(new Packet(code, Arrays.copyOfRange(data, 1, data.length)).strings());
            return out;
        }

        @Override
        public String toString() {
            return code + ":" + FilterReply.printable(data);
        }
    }

    private final ServerSocket tcp;
    private final ServerSocketChannel unix;
    private final Path path;
    private final Script script;
    private final List<Packet> received = new CopyOnWriteArrayList<>();
    private final List<Closeable> open = new CopyOnWriteArrayList<>();
    private final CountDownLatch ended = new CountDownLatch(1);
    private volatile Throwable scriptFailure;

    private FakeFilter(ServerSocket tcp, ServerSocketChannel unix, Path path, Script script) {
        this.tcp = tcp;
        this.unix = unix;
        this.path = path;
        this.script = script;
        Thread.ofVirtual().name("fake-filter").start(this::serveOne);
    }

    /** A filter on a host of this run, on a port of the system's choosing, for one connection. */
    public static FakeFilter start(Script script) throws IOException {
        ServerSocket ss = new ServerSocket();
        ss.bind(new InetSocketAddress(InetAddress.getByName(Loopback.host()), 0), 4);
        return new FakeFilter(ss, null, null, script);
    }

    /** A filter on a unix socket at {@code path}. */
    static FakeFilter startUnix(Path path, Script script) throws IOException {
        ServerSocketChannel ch = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        ch.bind(UnixDomainSocketAddress.of(path));
        return new FakeFilter(null, ch, path, script);
    }

    public MilterAddress address() {
        return tcp != null
                ? new MilterAddress.Inet(new HostPort(tcp.getInetAddress().getHostAddress(), tcp.getLocalPort()))
                : new MilterAddress.Unix(path);
    }

    /** Every packet received so far. */
    List<Packet> received() {
        return List.copyOf(received);
    }

    /** The packets received so far with this command code. */
    public List<Packet> received(char code) {
        return received.stream().filter(p -> p.code() == code).toList();
    }

    /** The commands received so far, macros left out: "OCHMRRTLLNBE" and so on. */
    public String commands() {
        StringBuilder s = new StringBuilder();
        for (Packet p : received) if (p.code() != 'D') s.append(p.code());
        return s.toString();
    }

    /** Waits until the script has ended (the MTA closed, or the script returned), and fails with what failed in the script. */
    public void awaitEnd() throws InterruptedException {
        if (!ended.await(Patience.EVENT.toMillis(), TimeUnit.MILLISECONDS))
            throw new AssertionError("the fake filter's script did not end");
        if (scriptFailure != null) throw new AssertionError("the fake filter's script failed", scriptFailure);
    }

    private void serveOne() {
        try {
            Session s;
            if (tcp != null) {
                Socket sock = tcp.accept();
                open.add(sock);
                s = new Session(new BufferedInputStream(sock.getInputStream()), sock.getOutputStream(), sock);
            } else {
                SocketChannel ch = unix.accept();
                open.add(ch);
                s = new Session(new BufferedInputStream(Channels.newInputStream(ch)), Channels.newOutputStream(ch), ch);
            }
            try {
                script.run(s);
            } catch (EOFException expected) {
                // the MTA closed the connection
            } catch (Throwable t) {
                if (!s.hungUp) scriptFailure = t;
            }
        } catch (IOException closed) {
            // closed before anyone connected
        } finally {
            ended.countDown();
        }
    }

    @Override
    public void close() throws IOException {
        if (tcp != null) tcp.close();
        else unix.close();
        for (Closeable c : open) c.close();
    }

    // ---- building packets

    public static final byte[] CONTINUE = packet('c');

    /** A whole packet: length, code, then the parts one after the other. */
    public static byte[] packet(char code, byte[]... parts) {
        var data = new ByteArrayOutputStream();
        for (byte[] p : parts) data.writeBytes(p);
        int len = data.size() + 1;
        var out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) (len >>> 24), (byte) (len >>> 16), (byte) (len >>> 8), (byte) len, (byte) code});
        out.writeBytes(data.toByteArray());
        return out.toByteArray();
    }

    /** A string and its NUL. */
    public static byte[] str(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        return Arrays.copyOf(b, b.length + 1);
    }

    public static byte[] uint32(long v) {
        return new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v};
    }

    /** The negotiation answer: version 6, these actions and steps, then (stage, list) pairs of macro lists. */
    public static byte[] options(int actions, int steps, Object... stagesAndLists) {
        var extra = new ByteArrayOutputStream();
        for (int i = 0; i < stagesAndLists.length; i += 2) {
            extra.writeBytes(uint32(((MacroStage) stagesAndLists[i]).wire));
            extra.writeBytes(str((String) stagesAndLists[i + 1]));
        }
        return packet('O', uint32(6), uint32(actions), uint32(steps), extra.toByteArray());
    }

    /**
     * A well-behaved filter: negotiates with these steps (all actions), then answers each command
     * that wants an answer with {@code answers} (one or more whole packets), until QUIT or the
     * MTA's close. Macros and ABORT get no answer, nor do the commands the steps exempt.
     */
    public static Script answering(int steps, Function<Packet, byte[]> answers) {
        return answering(options(Protocol.ALL_ACTIONS, steps), steps, answers);
    }

    /** As {@link #answering(int, Function)}, negotiating with {@code negotiation} (a whole packet that asks for {@code steps}). */
    static Script answering(byte[] negotiation, int steps, Function<Packet, byte[]> answers) {
        return s -> {
            s.negotiate(negotiation);
            while (true) {
                Packet p = s.read();
                if (p.code() == 'Q') return;
                if (p.code() == 'D' || p.code() == 'A' || unanswered(p.code(), steps)) continue;
                s.send(answers.apply(p));
            }
        };
    }

    /** Negotiates every step, answers continue until the MTA sends {@code code} (C H M R T L N B E), then does {@code what}. */
    public static Script failingAt(char code, Script what) {
        return s -> {
            s.negotiate(options(Protocol.ALL_ACTIONS, 0));
            while (true) {
                Packet p = s.read();
                if (p.code() == code) {
                    what.run(s);
                    return;
                }
                if (p.code() != 'D' && p.code() != 'A' && p.code() != 'Q') s.send(CONTINUE);
                if (p.code() == 'Q') return;
            }
        };
    }

    /** What a filter that fails does at the event: never answer, hang up, or answer what is not the protocol. */
    public static final Script HANGS = Session::hang;
    public static final Script HANGS_UP = Session::hangUp;
    public static final Script TALKS_GARBAGE = s -> s.send(new byte[] {0, 0, 0, 0, 'x'});

    /**
     * Negotiates every step, answers continue to every event, and answers the end of the message
     * with {@code atEnd} (whole packets: changes, then a verdict).
     */
    public static Script endingWith(byte[]... atEnd) {
        return answering(0, p -> {
            if (p.code() != 'E') return CONTINUE;
            var all = new ByteArrayOutputStream();
            for (byte[] b : atEnd) all.writeBytes(b);
            return all.toByteArray();
        });
    }

    /** Continue to everything. */
    public static Script continuing(int steps) {
        return answering(steps, p -> CONTINUE);
    }

    private static boolean unanswered(char code, int steps) {
        int flag = switch (code) {
            case 'C' -> Protocol.NR_CONN;
            case 'H' -> Protocol.NR_HELO;
            case 'M' -> Protocol.NR_MAIL;
            case 'R' -> Protocol.NR_RCPT;
            case 'T' -> Protocol.NR_DATA;
            case 'L' -> Protocol.NR_HDR;
            case 'N' -> Protocol.NR_EOH;
            case 'B' -> Protocol.NR_BODY;
            default -> 0;
        };
        return (steps & flag) != 0;
    }

    /** The filter's side of one connection. */
    public final class Session {
        private final DataInputStream in;
        private final OutputStream out;
        private final Closeable connection;
        volatile boolean hungUp;

        Session(InputStream in, OutputStream out, Closeable connection) {
            this.in = new DataInputStream(in);
            this.out = out;
            this.connection = connection;
        }

        /** The next packet from the MTA, kept; EOFException when it closed. */
        public Packet read() throws IOException {
            int len = in.readInt();
            char code = (char) in.readUnsignedByte();
            byte[] data = in.readNBytes(len - 1);
            if (data.length < len - 1) throw new EOFException();
            Packet p = new Packet(code, data);
            received.add(p);
            return p;
        }

        /** Reads packets until one with {@code code}, and returns it. */
        public Packet readUntil(char code) throws IOException {
            for (Packet p; ; ) if ((p = read()).code() == code) return p;
        }

        /** Reads the MTA's OPTNEG and answers it with {@code answer} (a whole packet). */
        public void negotiate(byte[] answer) throws IOException {
            Packet p = read();
            if (p.code() != 'O') throw new AssertionError("expected OPTNEG, got " + p);
            send(answer);
        }

        public void send(byte[]... raw) throws IOException {
            for (byte[] r : raw) out.write(r);
            out.flush();
        }

        /** Reads and keeps whatever comes until the MTA closes: a filter that never answers. */
        public void hang() throws IOException {
            while (true) read();
        }

        public void hangUp() throws IOException {
            hungUp = true;
            connection.close();
        }
    }
}
