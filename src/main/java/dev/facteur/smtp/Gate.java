package dev.facteur.smtp;

import dev.facteur.message.Mailbox;
import dev.facteur.message.QueueId;
import dev.facteur.message.ReversePath;
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

        /** After a valid MAIL, once the transaction has its queue id. */
        default Reply mail(QueueId id, ReversePath sender, long size) {
            return null;
        }

        /** After a valid RCPT that routing accepted. */
        default Reply rcpt(Mailbox recipient) {
            return null;
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
