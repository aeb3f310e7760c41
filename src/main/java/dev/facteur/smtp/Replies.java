package dev.facteur.smtp;

/** Every fixed reply the server sends, so wording and codes stay consistent. */
final class Replies {
    private Replies() {}

    static final Reply OK = new Reply(250, "2.0.0", "OK");
    static final Reply SENDER_OK = new Reply(250, "2.1.0", "Sender OK");
    static final Reply RECIPIENT_OK = new Reply(250, "2.1.5", "Recipient OK");
    static final Reply RESET = new Reply(250, "2.0.0", "Reset state");
    static final Reply START_DATA = new Reply(354, "", "End data with <CR><LF>.<CR><LF>");
    static final Reply CHUNK_OK = new Reply(250, "2.0.0", "Chunk accepted");
    static final Reply READY_FOR_TLS = new Reply(220, "2.0.0", "Ready to start TLS");
    static final Reply VRFY = new Reply(252, "2.5.2", "Cannot VRFY user, but will accept message and attempt delivery");
    static final Reply HELP = new Reply(214, "2.0.0",
            "Commands: EHLO HELO MAIL RCPT DATA BDAT RSET NOOP QUIT VRFY HELP STARTTLS; see RFC 5321");

    static final Reply UNRECOGNIZED = new Reply(500, "5.5.2", "Command not recognized");
    static final Reply LINE_TOO_LONG = new Reply(500, "5.5.2", "Line too long");
    static final Reply NUL_IN_COMMAND = new Reply(500, "5.5.2", "NUL character in command");
    static final Reply BAD_UTF8 = new Reply(500, "5.5.2", "Command is not valid UTF-8");
    static final Reply EHLO_SYNTAX = new Reply(501, "5.5.4", "Syntax: EHLO hostname");
    static final Reply HELO_SYNTAX = new Reply(501, "5.5.4", "Syntax: HELO hostname");
    static final Reply MAIL_SYNTAX = new Reply(501, "5.5.4", "Syntax: MAIL FROM:<address> [parameters]");
    static final Reply RCPT_SYNTAX = new Reply(501, "5.5.4", "Syntax: RCPT TO:<address> [parameters]");
    /** 521: without a size the server cannot find the chunk's end, so nothing after this line can be read (RFC 3030 §2). */
    static final Reply BDAT_MALFORMED = new Reply(521, "5.5.4", "Syntax: BDAT size [LAST]; cannot find the end of the chunk, closing connection");
    static final Reply NON_SMTP = new Reply(221, "2.7.0", "Error: not an SMTP command (message content or another protocol); closing connection");
    static final Reply NO_PARAMETERS = new Reply(501, "5.5.4", "This command takes no parameters");
    static final Reply TLS_NOT_AVAILABLE = new Reply(454, "4.7.0", "TLS not available");
    static final Reply ALREADY_TLS = new Reply(503, "5.5.1", "TLS already active");
    static final Reply NEED_HELO = new Reply(503, "5.5.1", "Send EHLO or HELO first");
    static final Reply NEED_MAIL = new Reply(503, "5.5.1", "Need MAIL command");
    static final Reply NESTED_MAIL = new Reply(503, "5.5.1", "Sender already specified");
    static final Reply NEED_RCPT = new Reply(503, "5.5.1", "Need RCPT command");
    static final Reply NO_VALID_RECIPIENTS = new Reply(554, "5.5.1", "No valid recipients");
    static final Reply DATA_AFTER_BDAT = new Reply(503, "5.5.1", "DATA not allowed after BDAT");
    static final Reply BDAT_NEEDS_EHLO = new Reply(503, "5.5.1", "BDAT needs EHLO");
    static final Reply TOO_MANY_RECIPIENTS = new Reply(452, "4.5.3", "Too many recipients");
    static final Reply RELAY_DENIED = AddressPolicy.RELAY_DENIED;
    static final Reply TOO_MANY_HOPS = new Reply(554, "5.4.6",
            "Too many Received: header fields (more than " + HopCounter.MAX_HOPS + "): mail loop (RFC 5321 §6.3)");
    static final Reply TOO_BIG = new Reply(552, "5.3.4", "Message size exceeds fixed maximum message size");
    static final Reply BARE_LINE_END = new Reply(550, "5.5.2",
            "Message refused: bare CR or LF; lines must end with CRLF (RFC 5321 §2.3.8)");
    static final Reply NUL_IN_DATA = new Reply(550, "5.6.0", "Message refused: NUL character in content");
    static final Reply NOT_UTF8_ADDRESS = new Reply(553, "5.6.7", "Address needs SMTPUTF8 (RFC 6531)");
    static final Reply STORAGE_FAILED = new Reply(451, "4.3.0", "Local error in processing, message not accepted; try again later");
    static final Reply INSUFFICIENT_STORAGE = new Reply(452, "4.3.1", "Insufficient system storage, message not accepted; try again later");
    static final Reply TOO_MANY_ERRORS = new Reply(421, "4.7.0", "Too many errors, closing connection");
    static final Reply TIMEOUT = new Reply(421, "4.4.2", "Timeout exceeded, closing connection");
    static final Reply SHUTTING_DOWN = new Reply(421, "4.3.2", "Service shutting down, closing connection");
    static final Reply TOO_MANY_CONNECTIONS = new Reply(421, "4.7.0", "Too many connections, try again later");
    static final Reply TOO_MANY_FROM_YOU = new Reply(421, "4.7.0", "Too many connections from your address, try again later");

    // RFC 4954, RFC 3207, RFC 6409
    static final Reply TLS_REQUIRED = new Reply(530, "5.7.0", "Must issue a STARTTLS command first");
    static final Reply AUTH_REQUIRED = new Reply(530, "5.7.0", "Authentication required");
    static final Reply AUTH_NOT_ENABLED = new Reply(503, "5.5.1", "Authentication not enabled");
    static final Reply ENCRYPTION_REQUIRED = new Reply(538, "5.7.11", "Encryption required for requested authentication mechanism");
    static final Reply AUTH_CANCELLED = new Reply(501, "5.0.0", "Authentication cancelled");
    static final Reply AUTH_NOT_BASE64 = new Reply(501, "5.5.2", "Cannot decode response");

    // RFC 8689 §2: REQUIRETLS "MUST only be specified in the context of an SMTP session meeting the
    // security requirements of REQUIRETLS", the first of which is TLS; 5.7.10 is its code for a
    // session without TLS (§4.2.1), and 530 is RFC 3207's "Must issue a STARTTLS command first"
    static final Reply REQUIRETLS_NEEDS_TLS = new Reply(530, "5.7.10", "REQUIRETLS needs a TLS session: issue STARTTLS first");
}
