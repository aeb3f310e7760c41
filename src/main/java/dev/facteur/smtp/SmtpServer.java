package dev.facteur.smtp;

import dev.facteur.message.QueueId;
import dev.facteur.metrics.Metrics;
import dev.facteur.metrics.SmtpMetrics;
import dev.facteur.net.HostPort;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.function.Predicate;
import jdk.net.ExtendedSocketOptions;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Listens on the configured addresses and runs each connection on its own virtual thread, with
 * limits on connections in total and per client address. The last {@code reserved_connections}
 * slots go only to addresses that hold no connection yet: a few addresses that open many idle
 * connections cannot lock everyone else out (postscreen's concern), while each of them is cut by
 * the short timeout before MAIL.
 *
 * <p>A session takes the settings and the gate in force when it is admitted and keeps them to its
 * end; {@link #reconfigure} (a reload) changes them for the sessions after it, and opens and
 * closes listen addresses, without touching a session under way.
 */
public final class SmtpServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger("facteur.smtpd");

    /** What a session is given when it starts: one reference, so that settings and gate change together. */
    private record Setup(SmtpSettings settings, Gate gate) {}

    private volatile Setup setup;
    private final MessageSink sink;
    private final QueueId.Generator ids;
    private final Clock clock;
    private final SmtpConnection.Tarpit tarpit;
    /** The sockets by listen address as configured (port 0 stays 0, so an unchanged setting keeps its socket). */
    private final Map<HostPort, ServerSocket> listeners = new LinkedHashMap<>(); // guarded by this
    private final List<ServerSocketChannel> localListeners = new ArrayList<>();
    private final Set<SmtpConnection> connections = ConcurrentHashMap.newKeySet();
    private final ConcurrentHashMap<InetAddress, Integer> perClient = new ConcurrentHashMap<>();
    private final AtomicInteger total = new AtomicInteger();
    private volatile boolean closing;
    /** This listener's meters, and those of its local submission socket. */
    private volatile SmtpMetrics metrics = Metrics.NONE.smtp("smtp"), localMetrics = Metrics.NONE.smtp("local");

    public SmtpServer(SmtpSettings settings, MessageSink sink, QueueId.Generator ids, Clock clock) {
        this(settings, sink, Gate.OPEN, ids, clock);
    }

    /** A server whose clients must get past {@code gate} (the spam defences) before their mail is taken. */
    public SmtpServer(SmtpSettings settings, MessageSink sink, Gate gate, QueueId.Generator ids, Clock clock) {
        this(settings, sink, gate, ids, clock, Thread::sleep);
    }

    SmtpServer(SmtpSettings settings, MessageSink sink, QueueId.Generator ids, Clock clock, SmtpConnection.Tarpit tarpit) {
        this(settings, sink, Gate.OPEN, ids, clock, tarpit);
    }

    SmtpServer(SmtpSettings settings, MessageSink sink, Gate gate, QueueId.Generator ids, Clock clock, SmtpConnection.Tarpit tarpit) {
        this.setup = new Setup(settings, gate);
        this.sink = sink;
        this.ids = ids;
        this.clock = clock;
        this.tarpit = tarpit;
    }

    /**
     * Counts this listener's connections, replies and messages in {@code metrics} under the name
     * {@code listener}, and those of its local submission socket ({@link #startLocal}) under
     * {@code local}; called before {@link #start}.
     */
    public void measuredBy(Metrics metrics, String listener) {
        this.metrics = metrics.smtp(listener);
        this.localMetrics = metrics.smtp("local");
    }

    /** Binds every listen address; fails without leaving any bound if one cannot be. */
    public void start() throws IOException {
        reconfigure(setup.settings(), setup.gate()).commit();
    }

    /**
     * Settings and a gate for the sessions admitted from now on, and the listen addresses they
     * name. The addresses that are new are bound here: if one cannot be, none stays bound and
     * nothing changed. {@link Change#commit} then puts them to work and closes the addresses no
     * longer named; the sessions they hold go on to their end, as every session under way does
     * with the settings it started with.
     */
    public Change reconfigure(SmtpSettings settings, Gate gate) throws IOException {
        Map<HostPort, ServerSocket> added = new LinkedHashMap<>();
        try {
            for (HostPort hp : settings.listen()) {
                synchronized (this) {
                    if (listeners.containsKey(hp) || added.containsKey(hp)) continue;
                }
                added.put(hp, bind(hp));
            }
        } catch (IOException e) {
            closeAll(added.values());
            throw e;
        }
        return new Change(new Setup(settings, gate), added);
    }

    /** A reconfiguration whose new addresses are bound, not yet accepting: commit it, or abandon it. */
    public final class Change {
        private final Setup next;
        private final Map<HostPort, ServerSocket> added;

        private Change(Setup next, Map<HostPort, ServerSocket> added) {
            this.next = next;
            this.added = added;
        }

        /** New sessions get the new settings; the new addresses accept; the dropped ones stop accepting. */
        public void commit() {
            List<ServerSocket> dropped = new ArrayList<>();
            synchronized (SmtpServer.this) {
                setup = next; // before the new addresses accept: their first session has the new settings
                for (var e : added.entrySet()) {
                    listeners.put(e.getKey(), e.getValue());
                    ServerSocket ss = e.getValue();
                    Thread.ofVirtual().name("smtp-accept-" + ss.getLocalPort()).start(() -> acceptLoop(ss));
                    log.info("SMTP listening on {}", new HostPort(ss.getInetAddress().getHostAddress(), ss.getLocalPort()));
                }
                for (var it = listeners.entrySet().iterator(); it.hasNext(); ) {
                    var e = it.next();
                    if (next.settings().listen().contains(e.getKey())) continue;
                    dropped.add(e.getValue());
                    it.remove();
                }
            }
            for (ServerSocket ss : dropped) {
                log.info("SMTP no longer listening on {} (its sessions under way go on to their end)",
                        new HostPort(ss.getInetAddress().getHostAddress(), ss.getLocalPort()));
            }
            closeAll(dropped);
        }

        /** Nothing changes: the addresses bound for it are closed. */
        public void abandon() {
            closeAll(added.values());
        }
    }

    private static ServerSocket bind(HostPort hp) throws IOException {
        ServerSocket ss = new ServerSocket();
        ss.setReuseAddress(true);
        try {
            ss.bind(hp.toSocketAddress(), 1024);
        } catch (IOException e) {
            ss.close();
            throw new IOException("cannot listen on " + hp + ": " + e.getMessage(), e);
        }
        return ss;
    }

    private static void closeAll(Collection<ServerSocket> sockets) {
        for (ServerSocket ss : sockets) {
            try {
                ss.close();
            } catch (IOException ignored) {
                // closing
            }
        }
    }

    /**
     * Also listens on a unix-domain socket at {@code path} for local submission (the
     * {@code facteur sendmail} command): anyone on the host may connect (mode 0666), and
     * {@code authorized} decides by the peer's user, which the kernel tells (SO_PEERCRED). A
     * local user is logged in as themselves: their mail relays anywhere, and the log names them.
     */
    public void startLocal(Path path, Predicate<String> authorized) throws IOException {
        Files.deleteIfExists(path); // a stale socket of a process that died
        Files.createDirectories(path.toAbsolutePath().getParent());
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(path));
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-rw-rw-"));
        localListeners.add(server);
        Thread.ofVirtual().name("smtp-local-accept").start(() -> {
            while (!closing) {
                SocketChannel ch;
                try {
                    ch = server.accept();
                } catch (IOException | RuntimeException e) {
                    if (!closing) log.error("accept failed on {}: {}", path, e.toString());
                    if (!server.isOpen()) return;
                    continue;
                }
                Thread.ofVirtual().name("smtp-local").start(() -> admitLocal(ch, authorized));
            }
        });
        log.info("local submission on {}", path);
    }

    private void admitLocal(SocketChannel ch, Predicate<String> authorized) {
        String user;
        try {
            user = ch.getOption(ExtendedSocketOptions.SO_PEERCRED).user().getName();
        } catch (IOException | UnsupportedOperationException e) {
            log.warn("local submission: cannot tell who connected ({}); refused", e.toString());
            closeQuietly(ch);
            return;
        }
        if (!authorized.test(user)) {
            log.warn("local submission refused for user {}: not in the authorized users", user);
            localMetrics.connected();
            localMetrics.replied(554);
            try (ch) {
                ch.write(java.nio.ByteBuffer.wrap(new Reply(554, "5.7.1", "User " + user + " may not submit mail here").encode()));
            } catch (IOException ignored) {
                // gone
            }
            return;
        }
        admit(new UnixSocket(ch), user);
    }

    private static void closeQuietly(SocketChannel ch) {
        try {
            ch.close();
        } catch (IOException ignored) {
            // gone
        }
    }

    /** The addresses actually bound (port 0 in the config means any free port). */
    public synchronized List<InetSocketAddress> boundAddresses() {
        return listeners.values().stream().map(s -> (InetSocketAddress) s.getLocalSocketAddress()).toList();
    }

    private void acceptLoop(ServerSocket ss) {
        while (!closing) {
            Socket s;
            try {
                s = ss.accept();
            } catch (IOException | RuntimeException e) {
                if (ss.isClosed()) return; // shut down, or a reload dropped this address
                // Keep listening whatever happened to one accept: a dead acceptor would stop all mail.
                if (!closing) log.error("accept failed on {}: {}", ss.getLocalSocketAddress(), e.toString());
                continue;
            }
            Thread.ofVirtual().name("smtp-" + s.getInetAddress().getHostAddress()).start(() -> admit(s));
        }
    }

    private void admit(Socket s) {
        admit(s, null);
    }

    /** {@code localUser}: the local user of a unix-socket connection, logged in as such; null for TCP. */
    private void admit(Socket s, String localUser) {
        Setup now = setup; // this session's, to its end
        SmtpSettings settings = now.settings();
        InetAddress client = s.getInetAddress();
        SmtpMetrics meters = localUser == null ? metrics : localMetrics;
        meters.connected();
        // compute() keeps count and removal atomic: a client's entry disappears with its last connection
        int fromClient = perClient.merge(client, 1, Integer::sum);
        int all = total.incrementAndGet();
        Runnable release = () -> {
            total.decrementAndGet();
            perClient.computeIfPresent(client, (k, n) -> n == 1 ? null : n - 1);
        };
        boolean inReserve = all > settings.maxConnections() - settings.defences().reservedConnections();
        Reply refusal = closing ? Replies.SHUTTING_DOWN
                : all > settings.maxConnections() ? Replies.TOO_MANY_CONNECTIONS
                : fromClient > settings.maxConnectionsPerIp() ? Replies.TOO_MANY_FROM_YOU
                : inReserve && fromClient > 1 ? Replies.TOO_MANY_FROM_YOU
                : null;
        if (refusal != null) {
            log.info("refusing connection from [{}]: {}", client.getHostAddress(), refusal);
            meters.replied(refusal.code());
            try (s) {
                s.getOutputStream().write(refusal.encode());
            } catch (IOException ignored) {
                // they are gone already
            } finally {
                release.run();
            }
            return;
        }
        SmtpSession session = new SmtpSession(settings, sink, ids, clock, client, now.gate().open(client));
        if (localUser != null) session.localUser(localUser);
        SmtpConnection[] self = new SmtpConnection[1];
        self[0] = new SmtpConnection(s, settings, session, tarpit, meters, () -> {
            connections.remove(self[0]);
            release.run();
        });
        connections.add(self[0]);
        self[0].run();
    }

    public int openConnections() {
        return connections.size();
    }

    /**
     * Stops accepting, tells idle clients 421, lets transactions under way finish within
     * {@code grace}, then cuts what is left. Nothing is lost: a message is either committed
     * (and acknowledged) or still the client's.
     */
    public void shutdown(Duration grace) {
        closing = true;
        for (ServerSocketChannel ch : localListeners) {
            try {
                ch.close();
            } catch (IOException ignored) {
                // closing
            }
        }
        synchronized (this) {
            closeAll(listeners.values());
        }
        connections.forEach(SmtpConnection::shutdown);
        long deadline = System.nanoTime() + grace.toNanos();
        while (!connections.isEmpty() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        connections.forEach(SmtpConnection::closeQuietly);
    }

    @Override
    public void close() {
        shutdown(Duration.ofSeconds(10));
    }
}
