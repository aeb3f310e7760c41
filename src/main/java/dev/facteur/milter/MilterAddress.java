package dev.facteur.milter;

import dev.facteur.net.HostPort;
import java.nio.file.Path;

/** Where a filter listens, written as Postfix's {@code smtpd_milters} entries: {@code inet:host:port} or {@code unix:/path}. */
public sealed interface MilterAddress {

    /** TCP; an IPv6 host in brackets: {@code inet:[::1]:11332}. */
    record Inet(HostPort hostPort) implements MilterAddress {
        @Override
        public String toString() {
            return "inet:" + hostPort;
        }
    }

    /** A unix-domain socket ({@code local:} is Postfix's other name for it). */
    record Unix(Path path) implements MilterAddress {
        @Override
        public String toString() {
            return "unix:" + path;
        }
    }

    static MilterAddress parse(String s) {
        int colon = s.indexOf(':');
        String transport = colon < 0 ? "" : s.substring(0, colon);
        String endpoint = s.substring(colon + 1);
        switch (transport) {
            case "inet" -> {
                HostPort hp = HostPort.parse(endpoint);
                if (hp.host().isEmpty() || hp.port() == 0) throw new IllegalArgumentException("a milter needs a host and a port: " + s);
                return new Inet(hp);
            }
            case "unix", "local" -> {
                if (!endpoint.startsWith("/")) throw new IllegalArgumentException("a milter's unix socket needs an absolute path: " + s);
                return new Unix(Path.of(endpoint));
            }
            default -> throw new IllegalArgumentException("a milter is inet:host:port or unix:/path, not " + s);
        }
    }
}
