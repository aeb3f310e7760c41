package dev.facteur.admin;

import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lets a request through only with {@code Authorization: Bearer TOKEN} (RFC 6750 §2.1) naming one
 * of the admin tokens; anything else gets 401 and a log line with the client's address (never
 * what it sent: a near miss is still half a secret).
 */
final class BearerAuth extends Filter {

    private static final Logger log = LoggerFactory.getLogger("facteur.admin");

    private final List<Token> tokens;

    BearerAuth(List<Token> tokens) {
        if (tokens.isEmpty()) throw new IllegalArgumentException("no admin token");
        this.tokens = List.copyOf(tokens);
    }

    @Override
    public void doFilter(HttpExchange ex, Chain chain) throws IOException {
        String refusal = refusal(ex.getRequestHeaders().get("Authorization"));
        if (refusal == null) {
            chain.doFilter(ex);
            return;
        }
        log.warn("admin: refused {} {} from {}: {}", ex.getRequestMethod(), ex.getRequestURI().getPath(),
                ex.getRemoteAddress(), refusal);
        ex.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"facteur\"");
        AdminServer.reply(ex, 401, false, refusal + " (the admin token is in the file named by [admin] token_file)");
    }

    @Override
    public String description() {
        return "Bearer token from [admin] token_file";
    }

    /** Why the request may not pass, or null when it may. */
    private String refusal(List<String> authorization) {
        if (authorization == null || authorization.isEmpty()) return "no admin token";
        if (authorization.size() > 1) return "more than one Authorization header";
        String value = authorization.getFirst();
        int sp = value.indexOf(' ');
        // RFC 9110 §11.1: the scheme is case-insensitive
        if (sp < 0 || !value.substring(0, sp).toLowerCase(Locale.ROOT).equals("bearer")) return "not a Bearer token";
        byte[] presented = Token.digest(value.substring(sp + 1).strip());
        boolean known = false;
        for (Token t : tokens) known |= t.matches(presented); // every token compared: no early exit to time
        return known ? null : "wrong admin token";
    }
}
