package dev.facteur.sts;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.facteur.testing.Loopback;
import dev.facteur.tls.CertificateFiles;
import dev.facteur.tls.PemTls;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A policy host as a test wants it, {@code mta-sts.DOMAIN} on a loopback host of its own: HTTPS
 * with the certificates it is given (chosen by SNI, the first when none matches), answering
 * every request with what the test set, and remembering each request's path and Host.
 */
final class PolicyHost implements AutoCloseable {

    /** What the host answers: a status, a Content-Type (null: none), more fields, a body; chunked: no Content-Length. */
    record Answer(int status, String contentType, Map<String, String> fields, byte[] body, boolean chunked) {
        static Answer policy(String text) {
            return new Answer(200, "text/plain", Map.of(), text.getBytes(StandardCharsets.UTF_8), false);
        }
    }

    /** One request as received. */
    record Request(String method, String path, String host) {}

    private final HttpsServer https;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private volatile Answer answer = new Answer(404, "text/plain", Map.of(), new byte[0], false);

    private PolicyHost(CertificateFiles certificates) throws IOException {
        https = HttpsServer.create(new InetSocketAddress(Loopback.host(), 0), 50);
        https.setHttpsConfigurator(new HttpsConfigurator(PemTls.serverContext(certificates)));
        https.setExecutor(executor);
        https.createContext("/", this::handle);
        https.start();
    }

    static PolicyHost start(CertificateFiles.Pair... certificates) {
        try {
            return new PolicyHost(CertificateFiles.open(List.of(certificates)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    PolicyHost answer(Answer a) {
        answer = a;
        return this;
    }

    PolicyHost serve(String policyText) {
        return answer(Answer.policy(policyText));
    }

    InetSocketAddress address() {
        return https.getAddress();
    }

    String ip() {
        return address().getAddress().getHostAddress();
    }

    int port() {
        return address().getPort();
    }

    List<Request> requests() {
        return List.copyOf(requests);
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            requests.add(new Request(ex.getRequestMethod(), ex.getRequestURI().getRawPath(), ex.getRequestHeaders().getFirst("Host")));
            Answer a = answer;
            if (a.contentType() != null) ex.getResponseHeaders().set("Content-Type", a.contentType());
            a.fields().forEach((k, v) -> ex.getResponseHeaders().set(k, v));
            ex.sendResponseHeaders(a.status(), a.chunked() ? 0 : a.body().length == 0 ? -1 : a.body().length);
            if (a.body().length > 0) ex.getResponseBody().write(a.body());
        } catch (IOException e) {
            // the client hung up first (it refused what it read): nothing to answer
        }
    }

    @Override
    public void close() {
        https.stop(0);
        executor.shutdownNow();
    }
}
