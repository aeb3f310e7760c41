package dev.facteur.events;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A webhook receiver on loopback, as an application would run one: it records every request
 * and answers each with the status the test chose for it. {@link #HANG} accepts the request and
 * never answers (until the receiver closes).
 */
final class Receiver implements AutoCloseable {

    static final int HANG = 0;
    private static final JsonMapper JSON = new JsonMapper();

    /** The status for request {@code number} (from 1), which holds {@code events} events. */
    @FunctionalInterface
    interface Answers {
        int status(int number, int events);
    }

    /** One request as received, and the status it was answered with. */
    record Request(int number, String signature, String contentType, byte[] body, int status) {
        List<String> ids() {
            List<String> ids = new ArrayList<>();
            for (JsonNode event : JSON.readTree(body)) ids.add(event.get("id").stringValue());
            return ids;
        }

        boolean accepted() {
            return status / 100 == 2;
        }

        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    private final HttpServer server;
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final CountDownLatch closing = new CountDownLatch(1);
    private volatile Answers answers;
    private int count;

    private Receiver(InetSocketAddress address, Answers answers) throws IOException {
        this.answers = answers;
        server = HttpServer.create(address, 0);
        server.setExecutor(threads);
        server.createContext("/events", this::handle);
        server.start();
    }

    /** A receiver on {@code address} that answers as {@code answers} says. */
    static Receiver on(InetSocketAddress address, Answers answers) throws IOException {
        return new Receiver(address, answers);
    }

    /** On a free port of 127.0.0.1, answering 200 to everything. */
    static Receiver accepting() throws IOException {
        return answering((n, events) -> 200);
    }

    /** On a free port of 127.0.0.1. */
    static Receiver answering(Answers answers) throws IOException {
        return on(new InetSocketAddress("127.0.0.1", 0), answers);
    }

    URI url() {
        return URI.create("http://" + server.getAddress().getHostString() + ":" + server.getAddress().getPort() + "/events");
    }

    void answer(Answers statuses) {
        answers = statuses;
    }

    private void handle(HttpExchange exchange) throws IOException {
        byte[] body = exchange.getRequestBody().readAllBytes();
        int number;
        synchronized (this) {
            number = ++count;
        }
        var headers = exchange.getRequestHeaders();
        int status = answers.status(number, JSON.readTree(body).size());
        requests.add(new Request(number, headers.getFirst("Facteur-Signature"), headers.getFirst("Content-Type"), body, status));
        if (status == HANG) {
            try {
                closing.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            exchange.close();
            return;
        }
        byte[] text = (status / 100 == 2 ? "" : "status " + status).getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(status, text.length == 0 ? -1 : text.length);
        if (text.length > 0) exchange.getResponseBody().write(text);
        exchange.close();
    }

    List<Request> requests() {
        return List.copyOf(requests);
    }

    /** The event ids of the requests answered 2xx, in the order they came. */
    List<String> acceptedIds() {
        return requests.stream().filter(Request::accepted).flatMap(r -> r.ids().stream()).toList();
    }

    /** Every event id received, answered or not, in order. */
    List<String> receivedIds() {
        return requests.stream().flatMap(r -> r.ids().stream()).toList();
    }

    @Override
    public void close() {
        closing.countDown();
        server.stop(0);
        threads.shutdownNow();
    }
}
