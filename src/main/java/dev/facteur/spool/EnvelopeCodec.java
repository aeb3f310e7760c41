package dev.facteur.spool;

import dev.facteur.message.Body;
import dev.facteur.message.ClientInfo;
import dev.facteur.message.Envelope;
import dev.facteur.message.Mailbox;
import dev.facteur.message.Notify;
import dev.facteur.message.QueueId;
import dev.facteur.message.Recipient;
import dev.facteur.message.Ret;
import dev.facteur.message.ReversePath;
import dev.facteur.message.Schedule;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;

/** A compact binary form of {@link Envelope}, versioned so later fields can be added. */
final class EnvelopeCodec {

    /**
     * Version 3 adds the recipient state EXPANDED; version 4 adds, after the schedule, whether
     * the message was sent with REQUIRETLS (RFC 8689). Each envelope is written with the lowest
     * version that holds it: one with neither is still written as 2, so older readers keep
     * reading it, and one they cannot read whole is refused as an unknown version rather than
     * read without the part they do not know.
     */
    private static final int VERSION = 4;

    private EnvelopeCodec() {}

    static byte[] encode(Envelope e) {
        var bytes = new ByteArrayOutputStream(256);
        try (var out = new DataOutputStream(bytes)) {
            boolean expanded = e.recipients().stream().anyMatch(r -> r.state() == Recipient.State.EXPANDED);
            int version = e.requireTls() ? 4 : expanded ? 3 : 2;
            out.writeByte(version);
            out.writeLong(e.id().value());
            out.writeLong(e.arrival().toEpochMilli());
            writeString(out, e.sender().mailbox().map(Mailbox::localPart).orElse(null));
            writeString(out, e.sender().mailbox().map(Mailbox::domain).orElse(null));
            out.writeLong(e.declaredSize());
            out.writeByte(e.body().ordinal());
            out.writeBoolean(e.smtpUtf8());
            out.writeByte(e.ret() == null ? -1 : e.ret().ordinal());
            writeString(out, e.envid());
            ClientInfo c = e.client();
            writeString(out, c.address());
            writeString(out, c.helo());
            writeString(out, c.protocol());
            writeString(out, c.tls());
            out.writeInt(e.recipients().size());
            for (Recipient r : e.recipients()) {
                writeString(out, r.address().localPart());
                writeString(out, r.address().domain());
                out.writeByte(mask(r.dsnNotify()));
                writeString(out, r.orcpt());
                out.writeByte(r.state().ordinal());
                writeString(out, r.diagnostic());
                writeString(out, r.remoteMta());
            }
            Schedule s = e.schedule();
            out.writeInt(s.attempts());
            out.writeLong(s.nextAttempt() == null ? Long.MIN_VALUE : s.nextAttempt().toEpochMilli());
            out.writeBoolean(s.held());
            out.writeBoolean(s.delayNotified());
            if (version >= 4) out.writeBoolean(e.requireTls());
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        return bytes.toByteArray();
    }

    /** Reads an envelope; whatever the bytes, it returns one or throws an IOException saying what is wrong. */
    static Envelope decode(byte[] data) throws IOException {
        try {
            return read(data);
        } catch (EOFException e) {
            throw new IOException(peekId(data) + ": envelope shorter than its fields", e);
        } catch (RuntimeException e) { // a value the model refuses, such as an empty local part
            throw new IOException(peekId(data) + ": unreadable envelope: " + e, e);
        }
    }

    private static Envelope read(byte[] data) throws IOException {
        var in = new Input(data);
        int version = in.readUnsignedByte();
        QueueId id = new QueueId(in.readLong());
        if (version < 1 || version > VERSION) throw new IOException(id + ": unknown envelope version " + version);
        Instant arrival = Instant.ofEpochMilli(in.readLong());
        String senderLocal = readString(in);
        String senderDomain = readShared(in);
        long size = in.readLong();
        Body body = ordinal(Body.values(), in.readUnsignedByte(), "BODY", id);
        boolean utf8 = in.readBoolean();
        int retOrdinal = in.readByte();
        Ret ret = retOrdinal == -1 ? null : ordinal(Ret.values(), retOrdinal, "RET", id);
        String envid = readString(in);
        // A large queue holds many envelopes in memory; their repeated strings are shared.
        ClientInfo client = new ClientInfo(readShared(in), readShared(in), readShared(in),
                readShared(in));
        int n = in.readInt();
        if (n < 0 || n > 1_000_000) throw new IOException(id + ": bad recipient count " + n);
        List<Recipient> rcpts = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            String local = readString(in);
            String domain = readShared(in);
            Notify notify = notify(in.readUnsignedByte());
            String orcpt = readString(in);
            Recipient.State state = ordinal(Recipient.State.values(), in.readUnsignedByte(), "recipient state", id);
            String diagnostic = version >= 2 ? readShared(in) : null;
            String remoteMta = version >= 2 ? readShared(in) : null;
            rcpts.add(new Recipient(new Mailbox(local, domain), notify, orcpt, state, diagnostic, remoteMta));
        }
        Schedule schedule = Schedule.NEW;
        if (version >= 2) {
            int attempts = in.readInt();
            long next = in.readLong();
            schedule = new Schedule(attempts, next == Long.MIN_VALUE ? null : Instant.ofEpochMilli(next),
                    in.readBoolean(), in.readBoolean());
        }
        boolean requireTls = version >= 4 && in.readBoolean();
        return new Envelope(id, arrival, senderLocal == null ? ReversePath.NULL : ReversePath.of(new Mailbox(senderLocal, senderDomain)), rcpts,
                size, body, utf8, ret, envid, client, schedule, requireTls);
    }

    /** The queue id of an envelope, readable even when the rest is not; null when too short. */
    static QueueId peekId(byte[] data) {
        return data.length < 9 ? null : new QueueId(ByteBuffer.wrap(data, 1, 8).getLong());
    }

    /** An enum stored as its ordinal: one this code does not know is an error, not an index out of bounds. */
    private static <E extends Enum<E>> E ordinal(E[] values, int ordinal, String what, QueueId id) throws IOException {
        if (ordinal < 0 || ordinal >= values.length) throw new IOException(id + ": unknown " + what + " " + ordinal);
        return values[ordinal];
    }

    private static String shared(String s) {
        return s == null ? null : s.intern();
    }

    /** The NOTIFY of most recipients, as written: no bit 0 (not explicit), one bit per condition. */
    private static final int DEFAULT_NOTIFY = mask(Notify.DEFAULT);

    private static int mask(Notify n) {
        int mask = n.explicit() ? 1 : 0;
        for (Notify.Condition cond : n.conditions()) mask |= 2 << cond.ordinal();
        return mask;
    }

    private static Notify notify(int mask) {
        if (mask == DEFAULT_NOTIFY) return Notify.DEFAULT;
        EnumSet<Notify.Condition> conds = EnumSet.noneOf(Notify.Condition.class);
        for (Notify.Condition cond : Notify.Condition.values()) if ((mask & (2 << cond.ordinal())) != 0) conds.add(cond);
        return new Notify(conds, (mask & 1) != 0);
    }

    private static void writeString(DataOutputStream out, String s) throws IOException {
        out.writeBoolean(s != null);
        if (s != null) out.writeUTF(s);
    }

    private static String readString(Input in) throws IOException {
        return in.readBoolean() ? in.readUTF() : null;
    }

    /** As {@code shared(readString(in))}, without making a new string when the same bytes were read lately. */
    private static String readShared(Input in) throws IOException {
        return in.readBoolean() ? in.readSharedUTF() : null;
    }

    /** An interned string and its bytes as written (ASCII), for {@link Input#readSharedUTF}. */
    private record Shared(byte[] bytes, String value) {}

    /**
     * Recently read shared strings by a hash of their bytes: domains, client names, diagnostics
     * repeat across a queue. Threads may overwrite each other's entries; an entry is immutable,
     * so a reader sees either one whole or another, and a miss only costs the intern.
     */
    private static final Shared[] SHARED = new Shared[4096];

    /**
     * Reads what {@link DataOutputStream} wrote, as {@link DataInputStream} does, without its
     * buffers: recovery reads a million envelopes at a start. A string of ASCII characters (the
     * usual) is one copy; any other goes through {@link DataInputStream#readUTF} itself.
     */
    private static final class Input {
        private final byte[] data;
        private int at;

        Input(byte[] data) {
            this.data = data;
        }

        private int take(int n) throws EOFException {
            if (n > data.length - at) throw new EOFException();
            int from = at;
            at += n;
            return from;
        }

        int readUnsignedByte() throws EOFException {
            return data[take(1)] & 0xff;
        }

        byte readByte() throws EOFException {
            return data[take(1)];
        }

        boolean readBoolean() throws EOFException {
            return data[take(1)] != 0;
        }

        int readInt() throws EOFException {
            int from = take(4);
            return (data[from] & 0xff) << 24 | (data[from + 1] & 0xff) << 16 | (data[from + 2] & 0xff) << 8 | (data[from + 3] & 0xff);
        }

        long readLong() throws EOFException {
            return (long) readInt() << 32 | (readInt() & 0xffffffffL);
        }

        String readSharedUTF() throws IOException {
            int length = (data[take(2)] & 0xff) << 8 | (data[at - 1] & 0xff);
            int from = take(length);
            int hash = 1;
            for (int i = from; i < from + length; i++) {
                if (data[i] <= 0) return shared(new DataInputStream(new ByteArrayInputStream(data, from - 2, length + 2)).readUTF());
                hash = 31 * hash + data[i];
            }
            int slot = (hash ^ (hash >>> 12)) & (SHARED.length - 1);
            Shared seen = SHARED[slot];
            if (seen != null && Arrays.equals(seen.bytes, 0, seen.bytes.length, data, from, from + length)) return seen.value;
            String value = new String(data, from, length, StandardCharsets.ISO_8859_1).intern();
            SHARED[slot] = new Shared(Arrays.copyOfRange(data, from, from + length), value);
            return value;
        }

        String readUTF() throws IOException {
            int length = (data[take(2)] & 0xff) << 8 | (data[at - 1] & 0xff);
            int from = take(length);
            for (int i = from; i < from + length; i++) {
                if (data[i] <= 0) return new DataInputStream(new ByteArrayInputStream(data, from - 2, length + 2)).readUTF();
            }
            return new String(data, from, length, StandardCharsets.ISO_8859_1);
        }
    }
}
