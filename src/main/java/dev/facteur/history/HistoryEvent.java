package dev.facteur.history;

import dev.facteur.message.QueueId;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * One thing that happened to a message, as the delivery history keeps it. Times are kept to the
 * millisecond (so that an event read back equals the one written); text that was not there is
 * {@code ""}, never null.
 */
public sealed interface HistoryEvent {

    Instant time();

    /** The message this happened to. */
    QueueId queueId();

    /** The messages whose trace shows this event: its own, and for a DSN the DSN message too. */
    default Set<QueueId> owners() {
        return Set.of(queueId());
    }

    /** Every address this event names, as written. */
    List<String> addresses();

    /**
     * The message was accepted into the queue (250 after DATA, or queued by Facteur itself).
     *
     * @param messageId     the {@code Message-ID} field as stored, angle brackets included; "" without one
     * @param sender        the envelope sender, "" for {@code <>}
     * @param recipients    the envelope recipients
     * @param size          the stored size in bytes, our {@code Received:} included
     * @param clientAddress the client's IP address
     * @param clientName    its name, confirmed by reverse DNS; "" when not looked up or not confirmed
     * @param helo          what it said in EHLO or HELO
     * @param protocol      as in the {@code Received:} field: {@code ESMTPS}, {@code ESMTPSA}, {@code local}
     * @param tls           the TLS version and cipher; "" without TLS
     * @param login         the login it authenticated with (AUTH, or the local user); "" without one
     */
    record Received(Instant time, QueueId queueId, String messageId, String sender, List<String> recipients, long size,
                    String clientAddress, String clientName, String helo, String protocol, String tls, String login)
            implements HistoryEvent {
        public Received {
            time = millis(time);
            Objects.requireNonNull(queueId, "queueId");
            messageId = text(messageId);
            sender = text(sender);
            recipients = List.copyOf(recipients);
            clientAddress = text(clientAddress);
            clientName = text(clientName);
            helo = text(helo);
            protocol = text(protocol);
            tls = text(tls);
            login = text(login);
        }

        @Override
        public List<String> addresses() {
            if (sender.isEmpty()) return recipients;
            var all = new java.util.ArrayList<String>(recipients.size() + 1);
            all.add(sender);
            all.addAll(recipients);
            return all;
        }
    }

    /** How one attempt ended for one recipient. */
    enum Result {
        /** The server (or our mailbox store) took it: 2xx. */
        DELIVERED,
        /** A temporary failure: tried again later. */
        DEFERRED,
        /** A permanent failure: the sender is told. */
        BOUNCED,
        /** Not tried: the transport map holds it until an operator releases it. */
        HELD;

        /** As written in the history and shown: lower case. */
        public String word() {
            return name().toLowerCase(Locale.ROOT);
        }

        static Result of(String word) {
            return valueOf(word.toUpperCase(Locale.ROOT));
        }
    }

    /**
     * One delivery attempt's outcome for one recipient.
     *
     * @param attempt which attempt of the message this was, from 1
     * @param relay   the server that answered, as the log names it ({@code mx.example.org[192.0.2.25]:25}),
     *                {@code local}, or "" when none was reached
     * @param tls     the TLS of the connection and the policy it was under, as the log says it; "" for local delivery
     * @param reply   the reply that decided it, or our own account when there was none: {@code 550 5.1.1 text}
     */
    record Attempt(Instant time, QueueId queueId, String recipient, int attempt, Result result, String relay, String tls,
                   String reply) implements HistoryEvent {
        public Attempt {
            time = millis(time);
            Objects.requireNonNull(queueId, "queueId");
            recipient = text(recipient);
            Objects.requireNonNull(result, "result");
            relay = text(relay);
            tls = text(tls);
            reply = text(reply);
        }

        @Override
        public List<String> addresses() {
            return List.of(recipient);
        }
    }

    /**
     * The queue gave up on a recipient without an attempt saying so: the message expired, or an
     * operator bounced it.
     */
    record GaveUp(Instant time, QueueId queueId, String recipient, String reason) implements HistoryEvent {
        public GaveUp {
            time = millis(time);
            Objects.requireNonNull(queueId, "queueId");
            recipient = text(recipient);
            reason = text(reason);
        }

        @Override
        public List<String> addresses() {
            return List.of(recipient);
        }
    }

    /**
     * A DSN about the message was queued (RFC 3464), as a message of its own.
     *
     * @param dsnId  the DSN's queue id
     * @param action the RFC 3464 action it reports: failed, delayed, delivered, relayed, expanded
     * @param to     whom it goes to: the message's envelope sender
     * @param about  the recipients it reports on
     */
    record Dsn(Instant time, QueueId queueId, QueueId dsnId, String action, String to, List<String> about) implements HistoryEvent {
        public Dsn {
            time = millis(time);
            Objects.requireNonNull(queueId, "queueId");
            Objects.requireNonNull(dsnId, "dsnId");
            action = text(action);
            to = text(to);
            about = List.copyOf(about);
        }

        /** What kind of notice it is, as senders know them: failure, delay or success. */
        public String kind() {
            return switch (action) {
                case "failed" -> "failure";
                case "delayed" -> "delay";
                default -> "success"; // delivered, relayed, expanded
            };
        }

        @Override
        public Set<QueueId> owners() {
            return Set.of(queueId, dsnId);
        }

        @Override
        public List<String> addresses() {
            var all = new java.util.ArrayList<String>(about.size() + 1);
            all.add(to);
            all.addAll(about);
            return all;
        }
    }

    /** The message left the queue: every recipient done, or deleted by an operator. */
    record Removed(Instant time, QueueId queueId, String reason) implements HistoryEvent {
        public Removed {
            time = millis(time);
            Objects.requireNonNull(queueId, "queueId");
            reason = text(reason);
        }

        @Override
        public List<String> addresses() {
            return List.of();
        }
    }

    private static Instant millis(Instant t) {
        return Objects.requireNonNull(t, "time").truncatedTo(ChronoUnit.MILLIS);
    }

    private static String text(String s) {
        return s == null ? "" : s;
    }
}
