package dev.facteur.inject;

/**
 * A request the injection API refuses as it stands (HTTP 400): the field at fault, as a path into
 * the JSON ({@code to[3].variables.name}, {@code headers.Reply-To}), and why. Nothing was sent.
 */
public final class BadRequest extends Exception {

    private final String field;

    public BadRequest(String field, String reason) {
        super(field.isEmpty() ? reason : field + ": " + reason, null, false, false);
        this.field = field;
    }

    /** Where in the request, {@code ""} for the request as a whole. */
    public String field() {
        return field;
    }
}
