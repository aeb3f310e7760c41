package dev.facteur.message;

/** The MAIL BODY= parameter (RFC 6152, RFC 3030 §3); absent means 7BIT. */
public enum Body {
    SEVEN_BIT("7BIT"), EIGHT_BIT_MIME("8BITMIME"), BINARY_MIME("BINARYMIME");

    private final String keyword;

    Body(String keyword) {
        this.keyword = keyword;
    }

    public String keyword() {
        return keyword;
    }

    public static Body fromKeyword(String value) {
        for (Body b : values()) if (b.keyword.equalsIgnoreCase(value)) return b;
        throw new IllegalArgumentException(value);
    }
}
