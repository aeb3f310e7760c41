package dev.facteur.auth.spf;

/** §4.6.2: what a matching mechanism makes the result; "+" when the record writes none. */
enum Qualifier {
    PASS('+'), FAIL('-'), SOFTFAIL('~'), NEUTRAL('?');

    final char symbol;

    Qualifier(char symbol) {
        this.symbol = symbol;
    }

    /** The qualifier a directive starts with, or null when it starts with none. */
    static Qualifier of(char c) {
        for (Qualifier q : values()) if (q.symbol == c) return q;
        return null;
    }
}
