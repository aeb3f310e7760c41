package dev.facteur.events;

/**
 * A place in the event log: a file's number ({@code events.log.000012}, or {@code events.log}
 * while it is the current file) and a byte offset in it, always at the start of a line.
 */
record Position(long file, long offset) implements Comparable<Position> {

    Position {
        if (file < 1 || offset < 0) throw new IllegalArgumentException("not a place in the log: file " + file + " offset " + offset);
    }

    @Override
    public int compareTo(Position o) {
        return file != o.file ? Long.compare(file, o.file) : Long.compare(offset, o.offset);
    }

    boolean isAfter(Position o) {
        return compareTo(o) > 0;
    }

    @Override
    public String toString() {
        return file + ":" + offset;
    }
}
