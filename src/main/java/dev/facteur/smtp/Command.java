package dev.facteur.smtp;

import java.util.Map;

/** One parsed SMTP command (RFC 5321 §4.1.1). Parameters keep their keyword in upper case. */
sealed interface Command {
    record Ehlo(String domain) implements Command {}
    record Helo(String domain) implements Command {}
    /** @param path the text between and including the angle brackets */
    record Mail(String path, Map<String, String> params) implements Command {}
    record Rcpt(String path, Map<String, String> params) implements Command {}
    record Data() implements Command {}
    record Bdat(long size, boolean last) implements Command {}
    record Rset() implements Command {}
    record Noop() implements Command {}
    record Quit() implements Command {}
    record Vrfy(String argument) implements Command {}
    record Expn(String argument) implements Command {}
    record Help() implements Command {}
    record StartTls() implements Command {}
    /** RFC 4954 §4: {@code AUTH mechanism [initial-response]}; the response as sent (base64, or "=" for empty), null if none. */
    record Auth(String mechanism, String initialResponse) implements Command {}
    /** A line that is not SMTP at all (message content, HTTP): the server hangs up. */
    record NonSmtp(String line) implements Command {}
    /** A line that could not be parsed; the reply says why. */
    record Invalid(Reply reply) implements Command {}
}
