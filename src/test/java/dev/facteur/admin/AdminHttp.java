package dev.facteur.admin;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

/** One request to an admin server under test, as a client on the machine would send it. */
final class AdminHttp {

    private AdminHttp() {}

    /** {@code method path} with no body, and {@code Authorization: authorization} unless null. */
    static HttpResponse<String> request(AdminServer admin, String method, String path, String authorization) throws Exception {
        var b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin.address().getPort() + path))
                .method(method, HttpRequest.BodyPublishers.noBody());
        if (authorization != null) b.header("Authorization", authorization);
        try (HttpClient http = HttpClient.newHttpClient()) {
            return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        }
    }
}
