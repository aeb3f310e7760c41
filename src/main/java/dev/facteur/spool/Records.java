package dev.facteur.spool;

import dev.facteur.message.Envelope;
import dev.facteur.message.QueueId;
import java.io.IOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The payloads of the segment log's records (the framing, magic, length and checksum, is
 * {@link SegmentLog}'s):
 * <pre>
 * MESSAGE  envelope length u32 | envelope | external u8 (1: content in large/) | content length u64 | content (inline only)
 * UPDATE   envelope
 * REMOVE   queue id u64
 * SEGMENT  format u8 | opened u8 (1: at the server's start, 2: the previous segment was full)
 * COMMIT   count u32 | count × (type u8 | length u32 | a MESSAGE, UPDATE or REMOVE payload)
 * </pre>
 * SEGMENT heads every segment since format 2; COMMIT holds several changes under one checksum,
 * so a crash keeps all of them or none. Parsers take bytes and return values, or an
 * {@link IOException} saying what is wrong: a record whose checksum matches can still hold
 * something this code cannot read (written by a newer version, or by a bug).
 */
final class Records {

    static final byte MESSAGE = 1, UPDATE = 2, REMOVE = 3, SEGMENT = 4, COMMIT = 5;
    /** The format written today: 2 adds the SEGMENT and COMMIT records. */
    static final int FORMAT = 2;
    static final byte OPENED_AT_START = 1, OPENED_AFTER_FULL = 2;
    /** A COMMIT's count field, then each change's type and length. */
    static final int COMMIT_HEAD = 4, CHANGE_HEAD = 5;

    private Records() {}

    /** A record's meaning. */
    sealed interface Decoded {}

    /** @param contentAt where the inline content starts, counted from the start of the record's payload */
    record Message(Envelope envelope, boolean external, long size, long contentAt) implements Decoded {}

    record Update(Envelope envelope) implements Decoded {}

    record Remove(QueueId id) implements Decoded {}

    record Segment(int format, byte opened) implements Decoded {
        boolean afterFull() {
            return opened == OPENED_AFTER_FULL;
        }
    }

    /** Changes to apply in order, all of them: {@link Message}, {@link Update} or {@link Remove}. */
    record Commit(List<Decoded> changes) implements Decoded {}

    static String name(byte type) {
        return switch (type) {
            case MESSAGE -> "MESSAGE";
            case UPDATE -> "UPDATE";
            case REMOVE -> "REMOVE";
            case SEGMENT -> "SEGMENT";
            case COMMIT -> "COMMIT";
            default -> "type " + (type & 0xff);
        };
    }

    /** Everything of a MESSAGE payload but its content. */
    static ByteBuffer messageHead(Envelope envelope, boolean external, long size) {
        byte[] env = EnvelopeCodec.encode(envelope);
        return ByteBuffer.allocate(4 + env.length + 1 + 8)
                .putInt(env.length).put(env).put((byte) (external ? 1 : 0)).putLong(size).flip();
    }

    static ByteBuffer update(Envelope envelope) {
        return ByteBuffer.wrap(EnvelopeCodec.encode(envelope));
    }

    static ByteBuffer remove(QueueId id) {
        return ByteBuffer.allocate(8).putLong(id.value()).flip();
    }

    static ByteBuffer segment(byte opened) {
        return ByteBuffer.allocate(2).put((byte) FORMAT).put(opened).flip();
    }

    static ByteBuffer commitHead(int count) {
        return ByteBuffer.allocate(COMMIT_HEAD).putInt(count).flip();
    }

    static ByteBuffer changeHead(byte type, long length) {
        return ByteBuffer.allocate(CHANGE_HEAD).put(type).putInt((int) length).flip();
    }

    /** Reads a record's payload, which starts at index 0 of {@code payload}; its position is not kept. */
    static Decoded decode(byte type, ByteBuffer payload) throws IOException {
        try {
            return switch (type) {
                case MESSAGE, UPDATE, REMOVE -> change(type, payload, 0, payload.limit());
                case SEGMENT -> new Segment(payload.get(0) & 0xff, payload.get(1));
                case COMMIT -> commit(payload);
                default -> throw new IOException("unknown record type " + (type & 0xff));
            };
        } catch (BufferUnderflowException | IndexOutOfBoundsException e) {
            throw new IOException(name(type) + " record shorter than its fields", e);
        }
    }

    private static Commit commit(ByteBuffer payload) throws IOException {
        payload.position(0);
        int count = payload.getInt();
        if (count < 0 || count > payload.remaining() / CHANGE_HEAD) throw new IOException("COMMIT of " + count + " changes");
        List<Decoded> changes = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            byte type = payload.get();
            int length = payload.getInt();
            if (length < 0 || length > payload.remaining()) throw new IOException("COMMIT change " + i + " longer than the record");
            if (type != MESSAGE && type != UPDATE && type != REMOVE)
                throw new IOException("COMMIT change " + i + " of unknown type " + (type & 0xff));
            int from = payload.position();
            changes.add(change(type, payload, from, from + length));
            payload.position(from + length);
        }
        if (payload.hasRemaining()) throw new IOException("COMMIT with " + payload.remaining() + " bytes after its changes");
        return new Commit(List.copyOf(changes));
    }

    /** A MESSAGE, UPDATE or REMOVE between {@code from} and {@code to} of {@code payload}; content offsets count from index 0. */
    private static Decoded change(byte type, ByteBuffer payload, int from, int to) throws IOException {
        ByteBuffer b = payload.duplicate().position(from).limit(to);
        return switch (type) {
            case MESSAGE -> {
                int envLength = b.getInt();
                if (envLength < 0 || envLength > b.remaining()) throw new IOException("MESSAGE envelope longer than the record");
                byte[] env = new byte[envLength];
                b.get(env);
                int flag = b.get();
                if (flag != 0 && flag != 1) throw new IOException(EnvelopeCodec.peekId(env) + ": bad content flag " + flag);
                boolean external = flag == 1;
                long size = b.getLong();
                // Inline content is the rest of the record; a length that disagrees would serve the wrong bytes.
                if (size < 0 || (external ? b.remaining() != 0 : size != b.remaining()))
                    throw new IOException(EnvelopeCodec.peekId(env) + ": content length " + size + " but " + b.remaining() + " bytes follow");
                yield new Message(EnvelopeCodec.decode(env), external, size, b.position());
            }
            case UPDATE -> {
                byte[] env = new byte[b.remaining()];
                b.get(env);
                yield new Update(EnvelopeCodec.decode(env));
            }
            case REMOVE -> {
                if (b.remaining() != 8) throw new IOException("REMOVE of " + b.remaining() + " bytes");
                yield new Remove(new QueueId(b.getLong()));
            }
            default -> throw new IllegalArgumentException("not a change: " + type);
        };
    }

    /**
     * The queue ids a payload speaks of, read without trusting it (for the log, when it cannot be
     * decoded or its checksum failed): as many as can be told, perhaps none.
     */
    static List<QueueId> peekIds(byte type, ByteBuffer payload) {
        List<QueueId> out = new ArrayList<>();
        ByteBuffer b = payload.duplicate();
        try {
            switch (type) {
                case MESSAGE -> out.add(new QueueId(b.getLong(b.position() + 5)));
                case UPDATE -> out.add(new QueueId(b.getLong(b.position() + 1)));
                case REMOVE -> out.add(new QueueId(b.getLong(b.position())));
                case COMMIT -> {
                    int count = b.getInt();
                    for (int i = 0; i < count && b.remaining() >= CHANGE_HEAD; i++) {
                        byte t = b.get();
                        int length = b.getInt();
                        if (length < 0 || length > b.remaining()) break;
                        out.addAll(peekIds(t, b.slice(b.position(), length)));
                        b.position(b.position() + length);
                    }
                }
                default -> { }
            }
        } catch (IndexOutOfBoundsException | BufferUnderflowException e) {
            // as many as could be read
        }
        return out;
    }
}
