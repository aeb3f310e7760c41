package dev.facteur.it.shaping;

import dev.facteur.testing.Patience;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The receiving side of a large provider, as a sender sees it: several MX hosts that share one
 * set of limits on that sender, whichever host it reaches.
 *
 * <ul>
 *   <li>at most {@code connections} at once; one more is greeted with {@link #TOO_MANY_CONNECTIONS}
 *       and closed;
 *   <li>at most {@code messages} transactions begun in any {@code period} (a sliding window);
 *       one more is refused at MAIL FROM with {@link #TOO_MANY_MESSAGES}, and the connection closed;
 *   <li>a recipient {@code grey-*} is {@link #GREYLISTED} the first time a sender tries it;
 *   <li>a recipient {@code nobody-*} does not exist ({@link #NO_SUCH_USER});
 *   <li>everything else is taken, after {@code scanning} (the time a provider's filters take).
 * </ul>
 *
 * It records each message it takes, with when it took it, the most connections it had at once,
 * and each refusal. Plain blocking sockets, one virtual thread per connection; it offers
 * PIPELINING, and a refusal that closes the connection says its reply, then reads what the client
 * still sends until the client closes, so that the reply is never lost to a reset.
 */
final class Provider implements AutoCloseable {

    static final String TOO_MANY_CONNECTIONS = "421 4.7.0 Too many connections, slow down";
    static final String TOO_MANY_MESSAGES = "421 4.7.28 Too many messages from you, slow down";
    static final String GREYLISTED = "450 4.7.1 Greylisted, try again later";
    static final String NO_SUCH_USER = "550 5.1.1 No such user";

    /**
     * What the provider tolerates from one sender.
     *
     * @param connections connections at once, over all its hosts
     * @param messages    transactions begun per {@code period}, over all its hosts (0: none at all)
     * @param scanning    how long it takes to take a message, after the final dot
     */
    record Limits(int connections, int messages, Duration period, Duration scanning) {

        /** Limits that nothing a test sends reaches. */
        static Limits generous() {
            return new Limits(1000, 1_000_000, Duration.ofSeconds(1), Duration.ZERO);
        }

        @Override
        public String toString() {
            return connections + " connections at once, " + messages + " messages per " + period.toMillis() + " ms";
        }
    }

    /** A message the provider took: its Message-ID, its recipients, when (System.nanoTime) and on which host. */
    record Arrival(String messageId, List<String> recipients, long nanos, String host) {}

    private final List<ServerSocket> listeners;
    private final Limits limits;
    private final long started = System.nanoTime();
    private final List<Socket> sessions = new CopyOnWriteArrayList<>();
    private final List<Arrival> arrivals = new CopyOnWriteArrayList<>();
    /** Each refusal: its reply, and when it was said. */
    private final List<Refusal> refusals = new CopyOnWriteArrayList<>();
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicInteger peak = new AtomicInteger();
    /** When the transactions of the sliding window began (System.nanoTime), oldest first. */
    private final Deque<Long> window = new ArrayDeque<>();
    /** Sender and recipient pairs seen once: greylisting lets them through next time. */
    private final Set<String> triplets = ConcurrentHashMap.newKeySet();

    private record Refusal(String reply, long nanos) {}

    private Provider(List<ServerSocket> listeners, Limits limits) {
        this.listeners = listeners;
        this.limits = limits;
        for (ServerSocket l : listeners) Thread.ofVirtual().name("provider-" + l.getInetAddress().getHostAddress()).start(() -> accept(l));
    }

    /** The provider on each of {@code hosts} (loopback addresses), all on {@code port}. */
    static Provider start(List<String> hosts, int port, Limits limits) throws IOException {
        List<ServerSocket> listeners = new ArrayList<>();
        try {
            for (String host : hosts) {
                ServerSocket s = new ServerSocket();
                s.setReuseAddress(true);
                listeners.add(s);
                s.bind(new InetSocketAddress(InetAddress.getByName(host), port), 200);
            }
        } catch (IOException e) {
            for (ServerSocket s : listeners) s.close();
            throw e;
        }
        return new Provider(listeners, limits);
    }

    // ---- what a test reads --------------------------------------------------------------------

    /** The messages taken so far, in the order they were taken. */
    List<Arrival> arrivals() {
        return List.copyOf(arrivals);
    }

    /** The most connections it had open at once (those it refused included). */
    int peakConnections() {
        return peak.get();
    }

    /** How many times it said {@code reply} (one of the constants above) so far. */
    long refusals(String reply) {
        return refusals.stream().filter(r -> r.reply().equals(reply)).count();
    }

    /**
     * The rate over time: per {@code bucket} from the first message or refusal, the messages it
     * took and the transactions and connections it refused for its limits, as a small table.
     */
    String rateOverTime(Duration bucket) {
        List<Arrival> taken = List.copyOf(arrivals);
        List<Refusal> refused = List.copyOf(refusals);
        List<Long> times = new ArrayList<>(taken.stream().map(Arrival::nanos).toList());
        times.addAll(refused.stream().map(Refusal::nanos).toList());
        long first = times.stream().mapToLong(Long::longValue).min().orElse(started);
        long last = times.stream().mapToLong(Long::longValue).max().orElse(started);
        long width = bucket.toNanos();
        int rows = (int) ((last - first) / width) + 1;
        int[] messages = new int[rows];
        int[] tooManyMessages = new int[rows];
        int[] tooManyConnections = new int[rows];
        for (Arrival a : taken) messages[(int) ((a.nanos() - first) / width)]++;
        for (Refusal r : refused) {
            int row = (int) ((r.nanos() - first) / width);
            if (r.reply().equals(TOO_MANY_MESSAGES)) tooManyMessages[row]++;
            if (r.reply().equals(TOO_MANY_CONNECTIONS)) tooManyConnections[row]++;
        }
        var t = new StringBuilder();
        t.append(String.format(Locale.ROOT, "The provider (%s), per %.1f s:%n", limits, bucket.toMillis() / 1000.0));
        t.append(String.format(Locale.ROOT, "%8s %6s %16s %17s%n", "from (s)", "taken", "421 (messages)", "421 (connections)"));
        for (int i = 0; i < rows; i++) {
            t.append(String.format(Locale.ROOT, "%8.1f %6d %16d %17d  %s%n", i * width / 1e9, messages[i], tooManyMessages[i],
                    tooManyConnections[i], "#".repeat(messages[i])));
        }
        return t.toString();
    }

    // ---- the server -----------------------------------------------------------------------------

    private void accept(ServerSocket listener) {
        while (!listener.isClosed()) {
            Socket s;
            try {
                s = listener.accept();
            } catch (IOException e) {
                return; // closed
            }
            sessions.add(s);
            Thread.ofVirtual().name("provider-session").start(() -> {
                try (s) {
                    new Session(s).run();
                } catch (IOException e) {
                    // the client went away: nothing to record
                } finally {
                    sessions.remove(s);
                }
            });
        }
    }

    /** One connection, from greeting to QUIT. */
    private final class Session {
        private final Socket socket;
        private final BufferedReader in;
        private final OutputStream out;
        private final String host;
        private boolean counted;
        private String sender;
        private final List<String> recipients = new ArrayList<>();

        Session(Socket socket) throws IOException {
            this.socket = socket;
            socket.setSoTimeout((int) Patience.EVENT.toMillis());
            this.in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.ISO_8859_1));
            this.out = socket.getOutputStream();
            this.host = socket.getLocalAddress().getHostAddress();
        }

        void run() throws IOException {
            try {
                counted = true;
                int now = open.incrementAndGet();
                peak.accumulateAndGet(now, Math::max);
                if (now > limits.connections()) {
                    hangUp(TOO_MANY_CONNECTIONS);
                    return;
                }
                say("220 " + host + " ESMTP provider");
                String line;
                while ((line = in.readLine()) != null) {
                    String verb = line.length() < 4 ? line.toUpperCase(Locale.ROOT) : line.substring(0, 4).toUpperCase(Locale.ROOT);
                    switch (verb) {
                        case "EHLO" -> say("250-" + host + "\r\n250-PIPELINING\r\n250-ENHANCEDSTATUSCODES\r\n250 8BITMIME");
                        case "HELO" -> say("250 " + host);
                        case "MAIL" -> {
                            if (!mail(line)) return;
                        }
                        case "RCPT" -> say(rcpt(address(line)));
                        case "DATA" -> data();
                        case "RSET" -> {
                            sender = null;
                            recipients.clear();
                            say("250 2.0.0 OK");
                        }
                        case "NOOP" -> say("250 2.0.0 OK");
                        case "QUIT" -> {
                            leave(); // gone as far as the limit is concerned before the client reads the reply
                            say("221 2.0.0 Bye");
                            return;
                        }
                        default -> say("502 5.5.2 Command not recognized");
                    }
                }
            } finally {
                leave();
            }
        }

        /** MAIL FROM: false when the sender has had its messages for the period (the connection is then closed). */
        private boolean mail(String line) throws IOException {
            long now = System.nanoTime();
            boolean room;
            synchronized (window) {
                while (!window.isEmpty() && now - window.peekFirst() >= limits.period().toNanos()) window.pollFirst();
                room = window.size() < limits.messages();
                if (room) window.addLast(now);
            }
            if (!room) {
                hangUp(TOO_MANY_MESSAGES);
                return false;
            }
            sender = address(line);
            recipients.clear();
            say("250 2.1.0 OK");
            return true;
        }

        private String rcpt(String recipient) {
            String local = recipient.substring(0, Math.max(0, recipient.indexOf('@'))).toLowerCase(Locale.ROOT);
            if (sender == null) return "503 5.5.1 MAIL first";
            if (local.startsWith("nobody-")) return refused(NO_SUCH_USER);
            if (local.startsWith("grey-") && triplets.add(sender + " " + recipient)) return refused(GREYLISTED);
            recipients.add(recipient);
            return "250 2.1.5 OK";
        }

        private void data() throws IOException {
            if (recipients.isEmpty()) {
                say("554 5.5.1 No valid recipients");
                return;
            }
            say("354 End data with <CR><LF>.<CR><LF>");
            String messageId = null;
            boolean inHeader = true;
            String line;
            while ((line = in.readLine()) != null && !line.equals(".")) {
                if (line.isEmpty()) inHeader = false;
                if (inHeader && line.regionMatches(true, 0, "Message-ID:", 0, 11)) messageId = line.substring(11).strip();
            }
            if (line == null) return; // the client went away in the middle: nothing taken
            scan();
            arrivals.add(new Arrival(messageId, List.copyOf(recipients), System.nanoTime(), host));
            sender = null;
            recipients.clear();
            say("250 2.0.0 OK queued");
        }

        /** The provider's filters at work. */
        private void scan() {
            if (limits.scanning().isZero()) return;
            try {
                Thread.sleep(limits.scanning());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        private String refused(String reply) {
            refusals.add(new Refusal(reply, System.nanoTime()));
            return reply;
        }

        /** Says {@code reply}, closes its side, and reads what the client still sends until it closes too. */
        private void hangUp(String reply) throws IOException {
            say(refused(reply));
            leave();
            socket.shutdownOutput();
            while (in.read() >= 0) {
                // a pipelining client's commands, sent before it read the reply
            }
        }

        /** The connection no longer counts against the limit. */
        private void leave() {
            if (counted) open.decrementAndGet();
            counted = false;
        }

        private void say(String reply) throws IOException {
            out.write((reply + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
        }
    }

    /** The address in {@code MAIL FROM:<a@b> ...} or {@code RCPT TO:<a@b> ...}. */
    private static String address(String line) {
        int open = line.indexOf('<');
        int close = line.indexOf('>', open + 1);
        return open < 0 || close < 0 ? "" : line.substring(open + 1, close);
    }

    @Override
    public void close() throws IOException {
        IOException failure = null;
        for (ServerSocket l : listeners) {
            try {
                l.close();
            } catch (IOException e) {
                failure = e;
            }
        }
        for (Socket s : sessions) {
            try {
                s.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
        if (failure != null) throw failure;
    }
}
