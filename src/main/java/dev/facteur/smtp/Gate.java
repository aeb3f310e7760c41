package dev.facteur.smtp;

import dev.facteur.message.Mailbox;
import dev.facteur.message.QueueId;
import dev.facteur.message.ReversePath;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;

/**
 * What the SMTP server asks, stage by stage, before it takes a client's mail: the defences against
 * spam (the policy package answers). The server knows no check; it answers what it is told, as
 * it stores messages through {@link MessageSink} without knowing the spool.
 *
 * <p>Each question returns null to go on, or the reply to give instead; a reply that closes the
 * channel ({@code 421}, {@code 521}) makes the server hang up after it. Address checks that
 * belong to routing (relaying, unknown users) stay with {@link AddressPolicy}, which is asked first.
 */
public interface Gate {

    /** No defences: every question is answered "go on". */
    Gate OPEN = client -> new Session() {};

    /**
     * The message at the end of its content, as stored but without the server's own
     * {@code Received:} field (Postfix hides its own from filters too): CRLF line ends, no
     * dot-stuffing. It is read from the draft being written, not from a copy in memory.
     */
    interface Content {

        /** Reads the content from its start; as many times as needed, each stream closed after use. */
        InputStream open() throws IOException;

        /**
         * Replaces the content with what {@code edit} writes while it reads the current one.
         * Later {@link #open} calls read the new content, and the new content is what is stored.
         */
        void rewrite(Edit edit) throws IOException;

        /** Writes the new content to {@code next}, reading the current one from {@code current}. */
        @FunctionalInterface
        interface Edit {
            void apply(InputStream current, OutputStream next) throws IOException;
        }
    }

    /** What the gate decided at the end of the content. */
    sealed interface EndOfData {

        /** Taken, as it came. */
        Pass PASS = new Pass(null, List.of(), List.of());

        /**
         * Taken, perhaps with changes to the envelope, written as a mail filter gives them: a new
         * reverse path ({@code <address>}, null to keep it), recipients to add (a path and its ESMTP
         * RCPT parameters) and recipients to remove (paths as the client gave them at RCPT).
         */
        record Pass(String sender, List<AddedRecipient> added, List<String> removed) implements EndOfData {
            public Pass {
                added = List.copyOf(added);
                removed = List.copyOf(removed);
            }

            public boolean changesEnvelope() {
                return sender != null || !added.isEmpty() || !removed.isEmpty();
            }
        }

        /** A recipient to add: its path ({@code <address>}) and its ESMTP RCPT parameters, space-separated ("" for none). */
        record AddedRecipient(String path, String parameters) {}

        /** Refused, with this reply (4xx or 5xx; a 421 closes the connection). */
        record Refuse(Reply reply) implements EndOfData {}

        /** Taken (the client is told 250) and dropped for every recipient. */
        record Discard(String why) implements EndOfData {}
    }

    /** One per connection, before the greeting. */
    Session open(InetAddress client);

    /** The questions about one connection, in the order of the dialogue; not thread-safe. */
    interface Session {

        /**
         * How long the server waits before its greeting, to see whether the client talks first
         * (postscreen's greet pause); zero: no wait.
         */
        default Duration greetPause() {
            return Duration.ZERO;
        }

        /**
         * The client broke the order of the dialogue: it talked before the greeting, or pipelined
         * commands before PIPELINING was offered (RFC 2920 §3.1). Told once per connection, before
         * the next stage's question, which may then refuse.
         */
        default void protocolViolation(String what) {}

        /** Before the greeting: null, or the reply that replaces the {@code 220}; the server hangs up after it. */
        default Reply connect() {
            return null;
        }

        /** After a syntactically valid EHLO or HELO. */
        default Reply helo(String name) {
            return null;
        }

        /**
         * The client logged in (AUTH) as {@code user} with {@code mechanism}: it is trusted from
         * now on (the spam defences spare it, as relay networks).
         */
        default void authenticated(String user, String mechanism) {}

        /** After a valid MAIL, once the transaction has its queue id. */
        default Reply mail(QueueId id, ReversePath sender, long size) {
            return null;
        }

        /** After a valid RCPT that routing accepted. */
        default Reply rcpt(Mailbox recipient) {
            return null;
        }

        /** At DATA, or the first BDAT, once there are recipients: null, or the reply instead of going on. */
        default Reply data() {
            return null;
        }

        /**
         * Whether {@link #endOfData} reads the content (mail filters, content checks): asked when
         * the content ends. False spares the server the work of offering it.
         */
        default boolean readsContent() {
            return false;
        }

        /**
         * The end of the content, before the reply, when {@link #readsContent} says so: the gate
         * may read the message, rewrite it, change its envelope, refuse it or discard it. Only
         * asked for content that is whole and stored so far. An {@link IOException} is a failure
         * to store (the rewritten content could not be written): the client is told to try later.
         */
        default EndOfData endOfData(Content content) throws IOException {
            return EndOfData.PASS;
        }

        /**
         * Header fields to put at the top of the accepted message, below our {@code Received:}
         * (each a whole field, folded, ending in CRLF): asked once, when the content begins.
         */
        default List<String> headers() {
            return List.of();
        }

        /**
         * The client's name, confirmed by reverse DNS, for the {@code Received:} header; null when
         * it was not looked up or did not resolve back to the client.
         */
        default String clientName() {
            return null;
        }

        /** Why the message is to be held in the queue (quarantine), or null: asked when it is stored. */
        default String hold() {
            return null;
        }

        /** The transaction ended (accepted, refused, RSET, a new EHLO): forget what belonged to it. */
        default void reset() {}

        /** The connection has ended. */
        default void close() {}
    }
}
