package dev.facteur.auth.dmarc;

/** DMARCbis §4.7 {@code adkim}/{@code aspf}: how closely an identifier must match the Author Domain. */
public enum AlignmentMode {
    /** §3.2.10.1: the same Organizational Domain. The default. */
    RELAXED("r"),
    /** §3.2.10.2: the identical domain. */
    STRICT("s");

    private final String token;

    AlignmentMode(String token) {
        this.token = token;
    }

    public String token() {
        return token;
    }
}
