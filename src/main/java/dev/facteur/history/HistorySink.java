package dev.facteur.history;

/**
 * Where the server reports what happens to messages: {@link DeliveryHistory} in production,
 * {@link #NONE} when the history is off, a list in tests.
 */
@FunctionalInterface
public interface HistorySink {

    /** Records {@code e}; returns at once and never throws: the mail goes on whatever becomes of its history. */
    void record(HistoryEvent e);

    /** History off: every event is dropped. */
    HistorySink NONE = e -> {};
}
