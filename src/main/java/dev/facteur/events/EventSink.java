package dev.facteur.events;

/**
 * Where the queue reports outcomes. {@link Events} in production; {@link #NONE} when events are
 * off, and a list in the queue's tests.
 */
@FunctionalInterface
public interface EventSink {

    /**
     * Records {@code e}. Returns quickly whatever happens to it, and never throws: an event that
     * cannot be recorded is logged and dropped, and the delivery that reported it goes on.
     */
    void emit(Event e);

    /** Events off: every event is dropped. */
    EventSink NONE = e -> {};
}
