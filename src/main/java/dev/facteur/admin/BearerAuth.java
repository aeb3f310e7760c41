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
 * of the admin tokens, whose scope allows it: GET and HEAD need {@link Scope#READ}, any other
 * method {@link Scope#OPERATE}, since every change the admin interface makes is a POST. No token
 * or an unknown one is 401 (RFC 6750 §3.1 invalid_token), a known token of too small a scope is
 * 403 (insufficient_scope). Either way a log line gives the client's address, never what it sent
 * (a near miss is still half a secret).
 */
final class BearerAuth extends Filter {

    private static final Logger log = LoggerFactory.getLogger("facteur.admin");

    /** Who the request says it is. */
    sealed interface Verdict {
        /** A token from the file. */
        record Known(Token token) implements Verdict {}

        /** No token, or none from the file: the reason, for the log and the answer. */
        record Unknown(String reason) implements Verdict {}
    }

    /** Replaced whole when the token file is read again ({@link #replace}). */
    private volatile List<Token> tokens;

    BearerAuth(List<Token> tokens) {
        this.tokens = nonEmpty(tokens);
    }

    /** From now on, these tokens and no others (the token file read again). */
    void replace(List<Token> next) {
        tokens = nonEmpty(next);
    }

    private static List<Token> nonEmpty(List<Token> tokens) {
        if (tokens.isEmpty()) throw new IllegalArgumentException("no admin token");
        return List.copyOf(tokens);
    }

    @Override
    public void doFilter(HttpExchange ex, Chain chain) throws IOException {
        Scope needed = needs(ex.getRequestMethod());
        switch (verdict(ex.getRequestHeaders().get("Authorization"))) {
            case Verdict.Known(Token t) when t.scope().allows(needed) -> chain.doFilter(ex);
            case Verdict.Known(Token t) -> {
                log.warn("admin: refused {} {} from {}: the token on line {} of the token file is {} only", ex.getRequestMethod(),
                        ex.getRequestURI().getPath(), ex.getRemoteAddress(), t.line(), t.scope().word());
                ex.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"facteur\", error=\"insufficient_scope\"");
                AdminServer.reply(ex, 403, false, "this token may only read; " + ex.getRequestMethod() + " needs an operate token");
            }
            case Verdict.Unknown(String reason) -> {
                log.warn("admin: refused {} {} from {}: {}", ex.getRequestMethod(), ex.getRequestURI().getPath(),
                        ex.getRemoteAddress(), reason);
                ex.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"facteur\"");
                AdminServer.reply(ex, 401, false, reason + " (the admin token is in the file named by [admin] token_file)");
            }
        }
    }

    /** Looking is reading; every other method changes something. */
    static Scope needs(String method) {
        return method.equals("GET") || method.equals("HEAD") ? Scope.READ : Scope.OPERATE;
    }

    @Override
    public String description() {
        return "Bearer token from [admin] token_file";
    }

    private Verdict verdict(List<String> authorization) {
        if (authorization == null || authorization.isEmpty()) return new Verdict.Unknown("no admin token");
        if (authorization.size() > 1) return new Verdict.Unknown("more than one Authorization header");
        String value = authorization.getFirst();
        int sp = value.indexOf(' ');
        // RFC 9110 §11.1: the scheme is case-insensitive
        if (sp < 0 || !value.substring(0, sp).toLowerCase(Locale.ROOT).equals("bearer")) return new Verdict.Unknown("not a Bearer token");
        byte[] presented = Token.digest(value.substring(sp + 1).strip());
        Token known = null;
        for (Token t : tokens) if (t.matches(presented) && known == null) known = t; // every token compared: no early exit to time
        return known == null ? new Verdict.Unknown("wrong admin token") : new Verdict.Known(known);
    }
}
