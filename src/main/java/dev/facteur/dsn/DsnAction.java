package dev.facteur.dsn;

/** RFC 3464 §2.3.3 Action values Facteur reports. */
public enum DsnAction {
    FAILED("failed"), DELAYED("delayed"), DELIVERED("delivered"), RELAYED("relayed"), EXPANDED("expanded");

    private final String field;

    DsnAction(String field) {
        this.field = field;
    }

    public String field() {
        return field;
    }
}
