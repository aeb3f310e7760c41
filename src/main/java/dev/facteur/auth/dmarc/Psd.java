package dev.facteur.auth.dmarc;

/** DMARCbis §4.7 {@code psd}: whether the record's domain is a Public Suffix Domain. */
public enum Psd {
    /** {@code psd=y}: a PSD; its Organizational Domains are one label below it. */
    YES("y"),
    /** {@code psd=n}: not a PSD, and the Organizational Domain for itself and its subdomains. */
    NO("n"),
    /** {@code psd=u} or no tag: the DNS Tree Walk decides. */
    UNKNOWN("u");

    private final String token;

    Psd(String token) {
        this.token = token;
    }

    public String token() {
        return token;
    }
}
