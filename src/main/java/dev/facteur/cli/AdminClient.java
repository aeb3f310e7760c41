package dev.facteur.cli;

import dev.facteur.admin.TokenFile;
import dev.facteur.config.Config;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine.Model.CommandSpec;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The running server's admin interface as the commands reach it: at the address of the same
 * configuration file, with the token from the file the server reads, one request at a time.
 */
final class AdminClient {

    private AdminClient() {}

    /**
     * The server's answer ({@code {"ok": ..., "message": ...}} and whatever else the command
     * gives), or null after saying on stderr why there is none: no token to read, no server, a
     * token the server refused.
     */
    static JsonNode request(CommandSpec spec, ConfigOption config, String method, String path, String query) throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        Config.Admin settings = config.load().admin();
        Path tokenFile = settings.tokenFile();
        String token = tokenOrSayWhy(err, tokenFile);
        if (token == null) return null;
        URI uri = URI.create("http://" + settings.listen() + path + (query.isEmpty() ? "" : "?" + query));
        HttpRequest req = HttpRequest.newBuilder(uri).method(method, HttpRequest.BodyPublishers.noBody())
                .header("Authorization", "Bearer " + token)
                .timeout(Duration.ofSeconds(60)).build();
        HttpResponse<String> resp;
        try (HttpClient http = HttpClient.newHttpClient()) {
            resp = http.send(req, HttpResponse.BodyHandlers.ofString());
        } catch (ConnectException e) {
            err.println("facteur: no server answers on " + settings.listen() + " (is it running, with delivery enabled?)");
            return null;
        }
        if (resp.statusCode() == 401) {
            err.println("facteur: the server refused the admin token in " + tokenFile
                    + " (it reads the file when it starts: was the file changed since, or is it another server's?)");
            return null;
        }
        return new JsonMapper().readTree(resp.body());
    }

    /**
     * The body of {@code GET path?query} as the running server streams it, or null, saying
     * nothing, when there is no answer to have: no token to read, no server at the configured
     * address, or any answer but 200. For commands that can do without the server.
     */
    static InputStream streamIfRunning(ConfigOption config, String path, String query) throws Exception {
        Config.Admin settings = config.load().admin();
        String token;
        try {
            token = TokenFile.clientToken(settings.tokenFile());
        } catch (IOException e) {
            return null;
        }
        URI uri = URI.create("http://" + settings.listen() + path + (query.isEmpty() ? "" : "?" + query));
        HttpRequest req = HttpRequest.newBuilder(uri).header("Authorization", "Bearer " + token).build();
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        try {
            HttpResponse<InputStream> resp = http.send(req, HttpResponse.BodyHandlers.ofInputStream());
            if (resp.statusCode() == 200) return resp.body();
            resp.body().close();
        } catch (IOException | IllegalArgumentException e) {
            // no server there (or an address no client can reach): the caller reads the spool
        }
        http.close();
        return null;
    }

    /** The admin token, or null after saying on stderr why it cannot be read. */
    private static String tokenOrSayWhy(PrintWriter err, Path tokenFile) {
        try {
            return TokenFile.clientToken(tokenFile);
        } catch (AccessDeniedException e) {
            err.println("facteur: cannot read the admin token " + tokenFile
                    + ": permission denied; run as the user Facteur runs as (or root)");
        } catch (NoSuchFileException e) {
            err.println("facteur: no admin token at " + tokenFile + " ([admin] token_file): the server writes it"
                    + " when it starts with delivery enabled; is it running, with this configuration?");
        } catch (IOException e) {
            err.println("facteur: cannot read the admin token: " + e.getMessage());
        }
        return null;
    }
}
