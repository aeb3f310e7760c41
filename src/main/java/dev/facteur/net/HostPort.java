package dev.facteur.net;

import java.net.InetSocketAddress;

/** {@code host:port} as written in configuration; IPv6 hosts in brackets: {@code [::1]:25}. */
public record HostPort(String host, int port) {

    public static HostPort parse(String s) {
        String host;
        String port;
        if (s.startsWith("[")) {
            int close = s.indexOf(']');
            if (close < 0 || close + 1 >= s.length() || s.charAt(close + 1) != ':')
                throw new IllegalArgumentException("expected [ipv6]:port, got " + s);
            host = s.substring(1, close);
            port = s.substring(close + 2);
        } else {
            int colon = s.lastIndexOf(':');
            if (colon <= 0 || s.indexOf(':') != colon) throw new IllegalArgumentException("expected host:port, got " + s);
            host = s.substring(0, colon);
            port = s.substring(colon + 1);
        }
        int p;
        try {
            p = Integer.parseInt(port);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bad port in " + s);
        }
        if (p < 0 || p > 65535) throw new IllegalArgumentException("port out of range in " + s);
        return new HostPort(host, p);
    }

    public InetSocketAddress toSocketAddress() {
        return new InetSocketAddress(host, port);
    }

    @Override
    public String toString() {
        return host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
    }
}
