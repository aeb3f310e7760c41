package dev.facteur.auth.spf;

/** A record or explanation that breaks RFC 7208's grammar; it becomes a permerror (§4.6) or the default explanation (§6.2). */
final class SyntaxError extends Exception {

    SyntaxError(String problem) {
        super(problem, null, false, false); // a verdict on input, not a bug: no stack trace
    }
}
