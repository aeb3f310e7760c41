package dev.facteur.admin;

import java.io.InputStream;

/**
 * {@code GET /api/openapi.yaml}: the admin interface described in OpenAPI 3.1. The one source is
 * {@code docs/openapi.yaml}, which the build copies into the jar, so the description served is
 * the one of the code that serves it.
 */
final class OpenApi {

    /** Where the build puts it in the jar. */
    static final String RESOURCE = "/dev/facteur/admin/openapi.yaml";

    private OpenApi() {}

    static Answer document() {
        InputStream in = OpenApi.class.getResourceAsStream(RESOURCE);
        if (in == null) return Answer.refused(404, "this build has no OpenAPI description (docs/openapi.yaml)");
        return new Answer.Stream("application/yaml", in);
    }
}
