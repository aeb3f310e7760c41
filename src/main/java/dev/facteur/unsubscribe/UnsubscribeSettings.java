package dev.facteur.unsubscribe;

import dev.facteur.net.HostPort;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * {@code [unsubscribe]}: one-click unsubscribe links (RFC 8058) on trusted senders' bulk mail,
 * and the listener that takes them.
 *
 * @param enabled     whether links are added and the listener runs
 * @param url         the public base URL mail clients POST to, {@code https://HOST[/PATH]}, without a
 *                    trailing slash: a link is {@code URL/TOKEN}; required when enabled
 * @param listen      where the listener takes requests, behind the TLS reverse proxy that serves
 *                    {@code url}; empty: links only, another node listens
 * @param secretsFile the HMAC secrets of the tokens, one a line (the first signs, all verify);
 *                    made at first start when missing
 */
public record UnsubscribeSettings(boolean enabled, Optional<URI> url, List<HostPort> listen, Path secretsFile) {

    /** Loopback: the reverse proxy in front speaks TLS to the world and HTTP to us. */
    public static final HostPort DEFAULT_LISTEN = new HostPort("127.0.0.1", 8026);

    /** A longer base URL would leave less room for the token in a header line of 998 octets (RFC 5322 §2.1.1). */
    public static final int MAX_URL = 200;

    public UnsubscribeSettings {
        if (enabled && url.isEmpty()) throw new IllegalArgumentException("one-click unsubscribe needs the public URL of its links");
        url.ifPresent(u -> publicUrl(u.toString()));
        listen = List.copyOf(listen);
    }

    /** The link of {@code token}: {@code URL/TOKEN}. */
    public String link(String token) {
        return url.orElseThrow() + "/" + token;
    }

    /** The path the listener serves links under, ending in {@code /}: {@code /u/} for {@code https://example.com/u}. */
    public String path() {
        return url.orElseThrow().getRawPath() + "/";
    }

    /**
     * {@code text} as a base URL of links: https (RFC 8058 §3.1: one HTTPS URI), or http on a
     * loopback host for tests; a host, a path or none, no query, no fragment, no user, printable
     * ASCII, at most {@value #MAX_URL} characters. A trailing slash is dropped.
     *
     * @throws IllegalArgumentException saying what is wrong, for the operator
     */
    public static URI publicUrl(String text) {
        if (text.length() > MAX_URL) throw new IllegalArgumentException("must be at most " + MAX_URL + " characters");
        if (!text.chars().allMatch(c -> c > ' ' && c < 0x7f)) throw new IllegalArgumentException("must be printable ASCII (percent-encode the rest)");
        URI u;
        try {
            u = new URI(text.endsWith("/") ? text.substring(0, text.length() - 1) : text);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("not a URL: " + e.getMessage());
        }
        String host = u.getHost();
        if (u.getScheme() == null || host == null) throw new IllegalArgumentException("must be an https:// URL with a host, got \"" + text + "\"");
        boolean loopbackHttp = u.getScheme().equals("http") && (host.equals("localhost") || host.equals("[::1]")
                || host.matches("127\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}"));
        if (!u.getScheme().equals("https") && !loopbackHttp)
            throw new IllegalArgumentException("must be an https:// URL (RFC 8058 §3.1; http:// only on a loopback host, for tests)");
        if (u.getRawUserInfo() != null) throw new IllegalArgumentException("must not hold a user name");
        if (u.getRawQuery() != null || u.getRawFragment() != null)
            throw new IllegalArgumentException("must not have a query or a fragment: the token is appended to its path");
        return u;
    }
}
