package dev.facteur.server;

import dev.facteur.delivery.Attempt;
import dev.facteur.delivery.DeliveryAgent;
import dev.facteur.delivery.OutgoingMessage;
import dev.facteur.message.Envelope;
import dev.facteur.message.Mailbox;
import dev.facteur.queue.QueueManager;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The queue's deliverer across reloads: each attempt goes to the newest delivery agent, built
 * from the configuration in force; an agent a reload replaced finishes the attempts it has
 * under way and is closed after its last one (its idle connections with it). The queue, its
 * schedule and its limits stay as they are.
 */
final class DeliveryHandover implements QueueManager.Deliverer, AutoCloseable {

    /** One agent, the attempts it has under way, and how it is closed. */
    private static final class Shift {
        final QueueManager.Deliverer agent;
        final Runnable close;
        final AtomicInteger busy = new AtomicInteger();
        volatile boolean retired;
        final AtomicBoolean closed = new AtomicBoolean();

        Shift(QueueManager.Deliverer agent, Runnable close) {
            this.agent = agent;
            this.close = close;
        }

        /** Closes the agent once retired and idle; either the last attempt or the retirement gets here last. */
        void closeIfDone() {
            if (retired && busy.get() == 0 && closed.compareAndSet(false, true)) close.run();
        }
    }

    private volatile Shift current;

    DeliveryHandover(DeliveryAgent first) {
        this(Facteur.deliverer(first), first::close);
    }

    /** {@code first}, closed by {@code close} once replaced and idle (tests watch it). */
    DeliveryHandover(QueueManager.Deliverer first, Runnable close) {
        this.current = new Shift(first, close);
    }

    /** From now on attempts go to {@code next}; the agent before it is closed after its last attempt. */
    void handOver(DeliveryAgent next) {
        handOver(Facteur.deliverer(next), next::close);
    }

    void handOver(QueueManager.Deliverer next, Runnable close) {
        Shift old = current;
        current = new Shift(next, close);
        old.retired = true;
        old.closeIfDone();
    }

    @Override
    public String destination(Mailbox recipient) {
        return current.agent.destination(recipient);
    }

    @Override
    public List<Attempt> deliver(Envelope envelope, long size, OutgoingMessage.Content content, List<Integer> recipients) {
        Shift s = take();
        try {
            return s.agent.deliver(envelope, size, content, recipients);
        } finally {
            s.busy.decrementAndGet();
            s.closeIfDone();
        }
    }

    /**
     * The current agent, counted busy. Counted first and checked after: an agent retired in
     * between may have seen no attempt and closed, so the attempt goes to its successor.
     */
    private Shift take() {
        while (true) {
            Shift s = current;
            s.busy.incrementAndGet();
            if (!s.retired) return s;
            s.busy.decrementAndGet();
            s.closeIfDone();
        }
    }

    @Override
    public void close() {
        Shift s = current;
        s.retired = true;
        s.closeIfDone();
    }
}
