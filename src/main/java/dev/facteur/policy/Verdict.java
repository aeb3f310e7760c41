package dev.facteur.policy;

import dev.facteur.smtp.Reply;

/**
 * What one check decided. {@link Dunno}, {@link AddHeader} and {@link Hold} let the stage go on to
 * its next check; the others are final for the stage: the first one wins.
 */
public sealed interface Verdict {

    Dunno DUNNO = new Dunno();

    /** Why, for the log line. */
    String why();

    /** No opinion: the next check decides. */
    record Dunno() implements Verdict {
        @Override
        public String why() {
            return "";
        }
    }

    /** Accepted: the stage's remaining checks are skipped. */
    record Accept(String why) implements Verdict {}

    /** Refused for good: a 5xx. */
    record Reject(Reply reply, String why) implements Verdict {
        public Reject {
            if (reply.code() / 100 != 5) throw new IllegalArgumentException("a rejection is a 5xx: " + reply);
        }
    }

    /** Refused for now: a 4xx; the client may try again. */
    record Defer(Reply reply, String why) implements Verdict {
        public Defer {
            if (reply.code() / 100 != 4) throw new IllegalArgumentException("a deferral is a 4xx: " + reply);
        }
    }

    /** Hang up now, after this reply (421, or 521 for good, RFC 7504). */
    record Drop(Reply reply, String why) implements Verdict {
        public Drop {
            if (reply.code() != 421 && reply.code() != 521) throw new IllegalArgumentException("a drop says 421 or 521: " + reply);
        }
    }

    /** A header field for the message (whole, folded, without the final CRLF); the stage goes on. */
    record AddHeader(String field, String why) implements Verdict {
        public AddHeader {
            if (field.endsWith("\r\n") || field.indexOf(':') < 1) throw new IllegalArgumentException("not a header field: " + field);
        }
    }

    /** Keep the message in the queue on hold (quarantine, released with {@code queue release}); the stage goes on. */
    record Hold(String why) implements Verdict {}
}
