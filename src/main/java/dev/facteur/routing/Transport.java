package dev.facteur.routing;

import dev.facteur.message.AddressSyntax;
import dev.facteur.net.HostPort;
import dev.facteur.smtp.Reply;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.Locale;

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

    /**
     * The bounce domain's: reports about mail we sent (bounces, complaints) are read and acted on
     * (suppression list, events), not kept. Set by the routing of the bounce domain, never by a
     * transport map.
     */
    record Reports() implements Transport {
        @Override
        public String toString() {
            return "reports";
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

    /**
     * Parses a transport as written in a transport map or the configuration: {@code smtp:…},
     * {@code lmtp:…}, {@code local}, {@code discard}, {@code hold}, {@code error:…}.
     */
    static Transport parse(String s) {
        String v = s.strip();
        // A control character has no place in a host, a socket path or a reply (the tab aside, as white space).
        if (v.chars().anyMatch(c -> (c < 0x20 && c != '\t') || c == 0x7f))
            throw new IllegalArgumentException("control character in transport " + v.replaceAll("\\p{Cntrl}", "?"));
        String lower = v.toLowerCase(Locale.ROOT);
        switch (lower) {
            case "local" -> { return new Local(); }
            case "discard" -> { return new Discard(); }
            case "hold" -> { return new Hold(); }
            default -> { }
        }
        if (lower.startsWith("error:")) return error(v.substring(6).strip());
        if (lower.startsWith("smtp:")) return smtp(v.substring(5));
        if (lower.startsWith("lmtp:")) {
            String rest = v.substring(5);
            // lmtp:unix:24 is host "unix", port 24 (as lmtp:[unix]:24 is written back), not a socket path
            if ((rest.startsWith("unix:") && !rest.substring(5).matches("[0-9]+")) || rest.startsWith("/")) {
                String path = rest.startsWith("unix:") ? rest.substring(5) : rest;
                if (!path.startsWith("/")) throw new IllegalArgumentException("lmtp:unix: needs an absolute socket path");
                // white space ends a value in a map file, and would be stripped from the path's end when read back
                if (path.chars().anyMatch(Character::isWhitespace))
                    throw new IllegalArgumentException("white space in the socket path of " + v);
                return new Lmtp(null, Path.of(path));
            }
            Smtp hp = smtp(rest);
            if (hp.port() <= 0) throw new IllegalArgumentException("lmtp: needs host:port (LMTP has no standard port)");
            return new Lmtp(new HostPort(hp.host(), hp.port()), null);
        }
        throw new IllegalArgumentException("unknown transport: " + s + " (smtp:, lmtp:, local, discard, hold, error:)");
    }

    private static Smtp smtp(String rest) {
        boolean literal = rest.startsWith("[");
        String host;
        String port = null;
        if (literal) {
            int close = rest.indexOf(']');
            if (close < 0) throw new IllegalArgumentException("missing ] in " + rest);
            host = rest.substring(1, close);
            String after = rest.substring(close + 1);
            if (!after.isEmpty()) {
                if (!after.startsWith(":")) throw new IllegalArgumentException("expected :port after ] in " + rest);
                port = after.substring(1);
            }
        } else {
            int colon = rest.lastIndexOf(':');
            host = colon < 0 ? rest : rest.substring(0, colon);
            if (colon >= 0) port = rest.substring(colon + 1);
        }
        // A name is never all digits and dots (RFC 3696 §2: no all-numeric top-level domain): that is an IPv4 address or a typo.
        boolean numeric = host.matches("[0-9.]+");
        if (host.isEmpty() || !(numeric ? isIp(host) : AddressSyntax.isDomain(host, false) || isIp(host)))
            throw new IllegalArgumentException("bad host in " + rest);
        int p = 0;
        if (port != null) {
            try {
                p = Integer.parseInt(port);
            } catch (NumberFormatException x) {
                throw new IllegalArgumentException("bad port in " + rest);
            }
            if (p < 1 || p > 65535) throw new IllegalArgumentException("port out of range in " + rest);
        }
        return new Smtp(host, p, !literal);
    }

    /** A dotted-quad IPv4 or an IPv6 address; not "192..0.2.1", which looked like one to a character class. */
    private static boolean isIp(String h) {
        boolean v4 = h.matches("\\d{1,3}(\\.\\d{1,3}){3}");
        boolean v6 = h.indexOf(':') >= 0 && h.matches("[0-9A-Fa-f:.]+");
        if (!v4 && !v6) return false;
        try {
            InetAddress.ofLiteral(h); // parses, never looks anything up
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static Transport error(String text) {
        var m = java.util.regex.Pattern.compile("([45])\\.(\\d{1,3})\\.(\\d{1,3})(?:\\s+(.*))?").matcher(text);
        if (!m.matches()) throw new IllegalArgumentException("error: needs an enhanced status code, e.g. error:5.7.1 text");
        boolean permanent = m.group(1).equals("5");
        String why = m.group(4) == null || m.group(4).isBlank() ? "Mail for this address is refused" : m.group(4).strip();
        String enhanced = m.group(1) + "." + m.group(2) + "." + m.group(3);
        return new Error(new Reply(permanent ? 550 : 450, enhanced, why));
    }

}
