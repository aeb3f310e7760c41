package dev.facteur.milter;

import static dev.facteur.milter.Protocol.HDR_LEADSPC;

import dev.facteur.milter.MilterException.Kind;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * One connection to one mail filter, for one SMTP session, speaking the Sendmail milter protocol
 * version 6 as Postfix does. Blocking and sequential: call it from the session's own (virtual)
 * thread, in the order the session goes:
 *
 * <pre>{@code
 * try (var milter = MilterClient.open(address, settings, macros)) {
 *     milter.connect(clientName, clientAddress);    // then helo, mail, rcpt (each), data
 *     ...
 *     milter.content(spooledMessage);                 // header fields, end of headers, body chunks
 *     EndOfMessage eom = milter.endOfMessage();       // changes, then the verdict
 * }
 * }</pre>
 *
 * Each call returns the filter's {@link Response}. What the filter asked not to see it is not
 * sent (only its macros are, as Postfix does), and what it asked not to answer is not waited
 * for; both return {@link Response.Continue}. A decision at CONNECT or HELO (accept, reject,
 * tempfail, a reply) holds for the rest of the connection: the filter hears nothing more, every
 * later call returns it again (accept: continue). Accept or discard later holds for the message.
 * A 421 reply, or the filter's SMFIR_SHUTDOWN, ends the filter's part in the connection too.
 *
 * <p>Anything that goes wrong with the filter (unreachable, a timeout, a lost connection, a
 * packet that is not the protocol) throws {@link MilterException}, never hangs: each exchange
 * has the stage's timeout from {@link MilterSettings}. The connection is then closed and every
 * later call throws again, so the caller applies its default action once and may stop asking.
 *
 * <p>Not thread-safe: one session, one thread.
 */
public final class MilterClient implements AutoCloseable {

    /** A header field longer than this is cut for the filter (Postfix's {@code header_size_limit}). */
    static final int MAX_FIELD = 100 * 1024;

    private enum Phase { NEW, CONNECTED, TRANSACTION, CLOSED }

    private final MilterAddress address;
    private final MilterSettings settings;
    private final Macros macros;
    private final Conversation wire;
    private Negotiation agreed;
    private final Map<MacroStage, List<String>> macroNames = new EnumMap<>(MacroStage.class);

    private Phase phase = Phase.NEW;
    /** The filter's decision for the whole connection, given again for every later event; null while it has none. */
    private Response connectionDecision;
    /** The filter accepted or discarded the message: nothing more of it is sent. */
    private boolean messageDecided;
    /** The command the filter said to skip (SMFIR_SKIP), until a command of another kind; 0 for none. */
    private byte skipped;
    private final List<Modification> connectionQuarantines = new ArrayList<>();
    private final List<Modification> messageQuarantines = new ArrayList<>();

    private MilterClient(MilterAddress address, MilterSettings settings, Macros macros, Link link, Function<Runnable, Watch> watches) {
        this.address = address;
        this.settings = settings;
        this.macros = macros;
        this.wire = new Conversation(toString(), link, settings.maxPacket(), watches);
    }

    /**
     * Connects (within the connect timeout) and negotiates (within the command timeout): version
     * 6, every action and protocol step offered; the filter's answer says which it wants, and may
     * name the macros it wants at each stage.
     */
    public static MilterClient open(MilterAddress address, MilterSettings settings, Macros macros) throws MilterException {
        return open(address, settings, macros, Watch.DEADLINES);
    }

    /** As {@link #open(MilterAddress, MilterSettings, Macros)}, with the timeouts kept by {@code watches}. */
    static MilterClient open(MilterAddress address, MilterSettings settings, Macros macros, Function<Runnable, Watch> watches)
            throws MilterException {
        MilterClient c = new MilterClient(address, settings, macros, Link.connect(address, settings.connectTimeout()), watches);
        try {
            c.negotiate();
        } catch (MilterException e) {
            c.close();
            throw e;
        }
        return c;
    }

    private void negotiate() throws MilterException {
        wire.exchange("the option negotiation", settings.commandTimeout(), () -> {
            wire.write(Protocol.OPTNEG, Negotiation.offer());
            wire.flush();
            agreed = Negotiation.read(wire.read());
            macroNames.putAll(settings.macros());
            macroNames.putAll(agreed.macros());
            return null;
        });
    }

    /**
     * Whether the filter asked to see the recipients the server refused too (SMFIP_RCPT_REJ): then
     * call {@link #rcpt} for those as well, with the {@code rcpt_mailer} macro {@code error}.
     */
    public boolean wantsRejectedRecipients() {
        return agreed.asked(Protocol.RCPT_REJ);
    }

    /**
     * SMFIC_CONNECT: the client connected. {@code hostname} is its verified name, or null when it
     * has none (the filter then gets {@code [address]}, as from Postfix); {@code client} is null
     * when its address is not known.
     */
    public Response connect(String hostname, InetSocketAddress client) throws MilterException {
        expect(Phase.NEW, "connect");
        phase = Phase.CONNECTED;
        String name = hostname != null && !hostname.isEmpty() && !hostname.equals("unknown") ? hostname
                : client != null && client.getAddress() != null ? "[" + client.getAddress().getHostAddress() + "]" : "unknown";
        return connectionEvent(Protocol.CONNECT, MacroStage.CONNECT, Protocol.NOCONNECT, Protocol.NR_CONN, Commands.connect(name, client));
    }

    /** SMFIC_HELO: EHLO or HELO. A transaction under way is aborted first, as the SMTP command resets it. */
    public Response helo(String name) throws MilterException {
        expect(Phase.CONNECTED, "helo");
        return connectionEvent(Protocol.HELO, MacroStage.HELO, Protocol.NOHELO, Protocol.NR_HELO, Commands.string(name));
    }

    /**
     * SMFIC_MAIL: the sender as {@code <address>} ({@code <>} for none), and the MAIL command's
     * ESMTP parameters ({@code SIZE=1024}, {@code BODY=8BITMIME}), each as given. Starts a
     * transaction; one under way is aborted first.
     */
    public Response mail(String reversePath, List<String> parameters) throws MilterException {
        expect(Phase.CONNECTED, "mail");
        abort();
        phase = Phase.TRANSACTION;
        return messageEvent(Protocol.MAIL, MacroStage.MAIL, Protocol.NOMAIL, Protocol.NR_MAIL, Commands.path(reversePath, parameters),
                settings.commandTimeout());
    }

    /** SMFIC_RCPT: one recipient as {@code <address>}, with the RCPT command's ESMTP parameters. A refusal is for this recipient only. */
    public Response rcpt(String forwardPath, List<String> parameters) throws MilterException {
        expect(Phase.TRANSACTION, "rcpt");
        return messageEvent(Protocol.RCPT, MacroStage.RCPT, Protocol.NORCPT, Protocol.NR_RCPT, Commands.path(forwardPath, parameters),
                settings.commandTimeout());
    }

    /** SMFIC_DATA: the DATA command (or the first BDAT), before the content arrives. */
    public Response data() throws MilterException {
        expect(Phase.TRANSACTION, "data");
        return messageEvent(Protocol.DATA, MacroStage.DATA, Protocol.NODATA, Protocol.NR_DATA, new byte[0], settings.commandTimeout());
    }

    /**
     * The message content: each header field (SMFIC_HEADER), the end of the header section
     * (SMFIC_EOH), then the body in chunks of at most 64 KB (SMFIC_BODY), read from
     * {@code message} as they go, never all at once. {@code message} is the content as stored:
     * CRLF line ends, no dot-stuffing; leave out what the filter should not see (Postfix hides
     * its own {@code Received:} field). Stops at the filter's first refusal or decision and
     * returns it, without reading further; otherwise {@link Response.Continue}. A filter that
     * asked to skip the body (SMFIR_SKIP) gets no more of it. {@link #endOfMessage} comes next.
     */
    public Response content(InputStream message) throws MilterException {
        expect(Phase.TRANSACTION, "content");
        if (connectionDecision != null) return connectionDecision;
        if (messageDecided) return Response.CONTINUE;
        return wire.exchange("the message content", settings.contentTimeout(), () -> {
            boolean leadingSpace = agreed.asked(HDR_LEADSPC);
            HeaderFields fields = new HeaderFields(message, MAX_FIELD);
            for (HeaderFields.Field f; (f = fields.next()) != null; ) {
                if (agreed.skips(Protocol.NOHDRS)) continue; // read past them, to the body
                byte[] value = f.value();
                if (!leadingSpace && value.length > 0 && value[0] == ' ') value = Arrays.copyOfRange(value, 1, value.length);
                Response r = send(Protocol.HEADER, MacroStage.EOH, Protocol.NOHDRS, Protocol.NR_HDR, Commands.header(f.name(), value), null);
                if (ends(r)) return r;
            }
            if (!agreed.skips(Protocol.NOEOH)) {
                Response r = send(Protocol.EOH, MacroStage.EOH, Protocol.NOEOH, Protocol.NR_EOH, new byte[0], null);
                if (ends(r)) return r;
            }
            if (agreed.skips(Protocol.NOBODY)) return Response.CONTINUE;
            InputStream body = fields.body();
            byte[] chunk = new byte[Protocol.CHUNK];
            for (int n; (n = body.readNBytes(chunk, 0, chunk.length)) > 0; ) {
                Response r = send(Protocol.BODY, MacroStage.EOM, Protocol.NOBODY, Protocol.NR_BODY, Arrays.copyOf(chunk, n), null);
                if (r instanceof Response.Skip) break;
                if (ends(r)) return r;
            }
            return Response.CONTINUE;
        });
    }

    /**
     * SMFIC_BODYEOB: the end of the message. The filter's changes come first, then its verdict;
     * quarantines it asked for at earlier events come with the changes. Ends the transaction:
     * the next one starts with {@link #mail}.
     */
    public EndOfMessage endOfMessage() throws MilterException {
        expect(Phase.TRANSACTION, "end of message");
        phase = Phase.CONNECTED;
        if (connectionDecision != null) return new EndOfMessage(connectionDecision, List.of());
        List<Modification> changes = new ArrayList<>(connectionQuarantines);
        changes.addAll(messageQuarantines);
        messageQuarantines.clear();
        if (messageDecided) {
            // the filter took its decision earlier and expects no end of message: an abort ends its transaction
            messageDecided = false;
            wire.exchange("abort", settings.commandTimeout(), () -> wire.write(Protocol.ABORT, new byte[0]));
            return new EndOfMessage(Response.CONTINUE, changes);
        }
        skipped = 0;
        Response r = wire.exchange("the end of the message", settings.contentTimeout(),
                () -> send(Protocol.BODYEOB, MacroStage.EOM, 0, 0, new byte[0], changes));
        connectionWide(r);
        messageDecided = false;
        return new EndOfMessage(r, changes);
    }

    /**
     * SMFIC_ABORT: the transaction ended without its end of message (RSET, a refused MAIL or
     * DATA, a client gone). Nothing when none is under way.
     */
    public void abort() throws MilterException {
        if (phase != Phase.TRANSACTION) return;
        phase = Phase.CONNECTED;
        messageDecided = false;
        skipped = 0;
        messageQuarantines.clear();
        if (connectionDecision != null) return;
        wire.exchange("abort", settings.commandTimeout(), () -> wire.write(Protocol.ABORT, new byte[0]));
    }

    /** SMFIC_QUIT and the connection closed. Never throws: the filter has nothing more to say. */
    @Override
    public void close() {
        if (phase != Phase.CLOSED && wire.open()) {
            try {
                wire.exchange("quit", settings.commandTimeout(), () -> wire.write(Protocol.QUIT, new byte[0]));
            } catch (MilterException ignored) {
                // it is going away either way
            }
        }
        phase = Phase.CLOSED;
        wire.close();
    }

    @Override
    public String toString() {
        return "milter " + address;
    }

    // ---- events and answers

    /** An event of the connection, CONNECT or HELO: a final answer decides the whole connection. */
    private Response connectionEvent(byte command, MacroStage stage, int noSend, int noReply, byte[] data) throws MilterException {
        if (connectionDecision != null) return connectionDecision;
        if (command == Protocol.HELO) abort();
        Response r = wire.exchange(Protocol.command(command), settings.commandTimeout(), () -> send(command, stage, noSend, noReply, data, null));
        return switch (r) {
            case Response.Accept a -> {
                decideConnection(Response.CONTINUE);
                yield a;
            }
            case Response.Reject x -> decideConnection(x);
            case Response.Tempfail x -> decideConnection(x);
            case Response.ReplyCode x -> decideConnection(x);
            case Response.Discard d -> Response.CONTINUE; // means nothing here (Postfix)
            case Response.Continue c -> c;
            case Response.Skip s -> s;
        };
    }

    /** An event of the message (MAIL, RCPT, DATA): accept or discard decides the message, a 421 the connection. */
    private Response messageEvent(byte command, MacroStage stage, int noSend, int noReply, byte[] data, Duration limit)
            throws MilterException {
        if (connectionDecision != null) return connectionDecision;
        if (messageDecided) return Response.CONTINUE;
        Response r = wire.exchange(Protocol.command(command), limit, () -> send(command, stage, noSend, noReply, data, null));
        ends(r);
        return r;
    }

    /**
     * Whether {@code r} ends the content: anything but continue and skip. Records what it decides:
     * the message (accept, discard) or the connection (a 421).
     */
    private boolean ends(Response r) {
        if (r instanceof Response.Accept || r instanceof Response.Discard) messageDecided = true;
        connectionWide(r);
        return !(r instanceof Response.Continue || r instanceof Response.Skip);
    }

    /** A 421 (SMFIR_SHUTDOWN, or the filter's own) closes the SMTP connection, and with it the filter's part. */
    private void connectionWide(Response r) {
        if (r instanceof Response.ReplyCode rc && rc.reply().code() == 421) decideConnection(r);
    }

    private Response decideConnection(Response r) {
        connectionDecision = r;
        wire.close(); // the filter hears no more of this connection: it closes its side too (libmilter)
        return r;
    }

    /**
     * Sends one event with its stage's macros and returns the filter's answer, as Postfix's
     * milter8_event: an event the filter said to skip is not sent, nor its macros, nor one its
     * version does not know; an event it does not want is not sent but its macros are (later
     * events may look them up); an event it does not answer is not waited for. {@code changes}
     * collects modifications, at the end of the message only (null elsewhere: there they are a
     * protocol error).
     */
    private Response send(byte command, MacroStage stage, int noSend, int noReply, byte[] data, List<Modification> changes)
            throws IOException {
        if (skipped != 0) {
            if (skipped == command) return Response.CONTINUE;
            skipped = 0;
        }
        if (noSend != 0 && agreed.beyondVersion(noSend)) return Response.CONTINUE;
        List<String> names = macroNames.getOrDefault(stage, List.of());
        if (!names.isEmpty()) wire.write(Protocol.MACRO, Commands.macros(command, macroValues(names)));
        if (noSend != 0 && agreed.asked(noSend)) return Response.CONTINUE;
        wire.write(command, data);
        if (noReply != 0 && agreed.asked(noReply)) return Response.CONTINUE;
        wire.flush();
        Response r = answer(command, changes);
        if (r instanceof Response.Skip) skipped = command;
        return r;
    }

    /** Name and value of each macro that has a value; the names as the list writes them, looked up without braces. */
    private List<String> macroValues(List<String> names) {
        List<String> pairs = new ArrayList<>();
        for (String name : names) {
            String bare = name.startsWith("{") && name.endsWith("}") ? name.substring(1, name.length() - 1) : name;
            String value = macros.value(bare);
            if (value == null) continue;
            pairs.add(name);
            pairs.add(value);
        }
        return pairs;
    }

    /** Reads until the filter's answer: progress starts the timeout again, changes are collected. */
    private Response answer(byte command, List<Modification> changes) throws IOException {
        long changeBytes = 0;
        while (true) {
            FilterReply reply = FilterReply.decode(wire.read(), agreed.asked(HDR_LEADSPC));
            switch (reply) {
                case FilterReply.Answer a -> {
                    return a.response();
                }
                case FilterReply.Progress p -> {
                    // still working: reading it started the timeout again
                }
                case FilterReply.Change(Modification.Quarantine q) -> {
                    if (changes != null) changes.add(q);
                    else if (phase == Phase.TRANSACTION) messageQuarantines.add(q);
                    else connectionQuarantines.add(q);
                }
                case FilterReply.Change c -> {
                    if (changes == null)
                        throw new MilterException(Kind.PROTOCOL, "a change to the message (" + c.modification().getClass().getSimpleName()
                                + ") in answer to " + Protocol.command(command) + ", not at the end of the message");
                    changeBytes += size(c.modification());
                    if (changeBytes > settings.maxChangeBytes())
                        throw new MilterException(Kind.PROTOCOL, "changes to the message over " + settings.maxChangeBytes() + " bytes");
                    changes.add(c.modification());
                }
            }
        }
    }

    /** About what a change holds in memory: its text, and a record's worth more. */
    private static long size(Modification m) {
        return 64 + switch (m) {
            case Modification.ReplaceBody b -> b.chunk().length;
            case Modification.AddHeader h -> h.name().length() + h.value().length();
            case Modification.InsertHeader h -> h.name().length() + h.value().length();
            case Modification.ChangeHeader h -> h.name().length() + h.value().length();
            case Modification.DeleteHeader h -> h.name().length();
            case Modification.ChangeSender s -> s.sender().length() + s.parameters().length();
            case Modification.AddRecipient r -> r.recipient().length() + r.parameters().length();
            case Modification.DeleteRecipient r -> r.recipient().length();
            case Modification.Quarantine q -> q.reason().length();
        };
    }

    private void expect(Phase wanted, String call) {
        if (phase == Phase.CLOSED) throw new IllegalStateException(this + ": " + call + " after close");
        if (phase == wanted) return;
        if (wanted == Phase.CONNECTED && phase == Phase.TRANSACTION && (call.equals("helo") || call.equals("mail"))) {
            return; // a new MAIL or HELO aborts the transaction under way: see mail() and connectionEvent()
        }
        throw new IllegalStateException(this + ": " + call + " when " + phase.name().toLowerCase(Locale.ROOT)
                + " (expected " + wanted.name().toLowerCase(Locale.ROOT) + ")");
    }
}
