package dev.facteur.milter;

import dev.facteur.smtp.Reply;

/**
 * A filter's answer to one event. {@link Continue} is also the answer to every event the filter
 * asked not to see or not to answer, and to every event after it decided for the whole message or
 * connection ({@link MilterClient} says which).
 */
public sealed interface Response {

    Continue CONTINUE = new Continue();

    /** SMFIR_CONTINUE: no objection; go on. */
    record Continue() implements Response {}

    /**
     * SMFIR_ACCEPT: at CONNECT or HELO, the whole connection and the filter sees no more of it;
     * later, this message (at RCPT too: the message, not just that recipient), of which it sees no
     * more.
     */
    record Accept() implements Response {}

    /** SMFIR_REJECT: refuse the connection, the message, or at RCPT that recipient, with {@link #REPLY}. */
    record Reject() implements Response {
        /** What Postfix answers for it. */
        public static final Reply REPLY = new Reply(550, "5.7.1", "Command rejected");
    }

    /** SMFIR_TEMPFAIL: as {@link Reject}, for now, with {@link #REPLY}. */
    record Tempfail() implements Response {
        /** What Postfix answers for it. */
        public static final Reply REPLY = new Reply(451, "4.7.1", "Service unavailable - try again later");
    }

    /**
     * SMFIR_DISCARD: accept the message and drop it, for all its recipients. At CONNECT and HELO it
     * means nothing (as in Postfix) and is given as {@link Continue}.
     */
    record Discard() implements Response {}

    /**
     * SMFIR_REPLYCODE: refuse with the filter's own 4xx or 5xx reply, possibly multi-line; as
     * {@link Reject} or {@link Tempfail} otherwise. SMFIR_SHUTDOWN (Postfix's 421, never sent by
     * libmilter) comes as a 421 here: answer it and hang up.
     */
    record ReplyCode(Reply reply) implements Response {}

    /**
     * SMFIR_SKIP: the filter wants no more events of this kind (body chunks, headers, recipients)
     * in this message; {@link MilterClient} sends it none. As {@link Continue} for the caller.
     */
    record Skip() implements Response {}
}
