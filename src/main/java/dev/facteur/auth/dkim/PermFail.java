package dev.facteur.auth.dkim;

import java.io.Serial;

/**
 * RFC 6376 §6.1: a signature, key record or tag list that cannot be used, and why, in the RFC's
 * words where it has them ("signature syntax error", "key revoked", "inappropriate hash
 * algorithm"). Nothing a later attempt could change: a verifier reports it as {@code permerror}.
 */
public final class PermFail extends Exception {

    @Serial
    private static final long serialVersionUID = 1L;

    public PermFail(String reason) {
        super(reason);
    }
}
