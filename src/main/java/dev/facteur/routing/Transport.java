package dev.facteur.routing;

import dev.facteur.net.HostPort;
import dev.facteur.smtp.Reply;
import java.nio.file.Path;

/** How mail for one recipient leaves: the right-hand side of a transport map entry. */
public sealed interface Transport {

    /**
     * SMTP to a host: with {@code mxLookup} the host is a domain whose MX records are used;
     * without ({@code smtp:[host]:port}) it is the server itself.
     */
    record Smtp(String host, int port, boolean mxLookup) implements Transport {
        @Override
        public String toString() {
            return mxLookup ? "smtp:" + host + (port > 0 ? ":" + port : "") : "smtp:[" + host + "]" + (port > 0 ? ":" + port : "");
        }
    }

    /** RFC 2033 LMTP to a server at {@code host:port}, or on a unix socket ({@code server} null). */
    record Lmtp(HostPort server, Path unixSocket) implements Transport {
        public Lmtp {
            if ((server == null) == (unixSocket == null)) throw new IllegalArgumentException("host:port or a unix socket");
        }

        @Override
        public String toString() {
            return "lmtp:" + (server != null ? server : "unix:" + unixSocket);
        }
    }

    /** Our own mailboxes (Maildir, or the configured LMTP server). */
    record Local() implements Transport {
        @Override
        public String toString() {
            return "local";
        }
    }

    /** Accepted and thrown away. */
    record Discard() implements Transport {
        @Override
        public String toString() {
            return "discard";
        }
    }

    /** Refused with this reply; at RCPT time when the entry is known then. */
    record Error(Reply reply) implements Transport {
        @Override
        public String toString() {
            return "error:" + reply.enhanced() + " " + String.join(" ", reply.lines());
        }
    }

    /** Kept in the queue, on hold, until an operator releases it. */
    record Hold() implements Transport {
        @Override
        public String toString() {
            return "hold";
        }
    }
}
