package dev.facteur.autoconfig;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.facteur.net.HostPort;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves {@code config-v1.1.xml} where Thunderbird looks for it: {@code
 * http://autoconfig.DOMAIN/mail/config-v1.1.xml?emailaddress=...} and {@code
 * /.well-known/autoconfig/mail/config-v1.1.xml}. The domain is the one of the {@code emailaddress}
 * asked about, else the {@code Host:} without its {@code autoconfig.}; only our own domains get a
 * file (404 otherwise). Read-only and without state: nothing to authenticate.
 */
public final class AutoconfigServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger("facteur");
    private final HttpServer http;

    public AutoconfigServer(HostPort listen, ClientSetup setup, Predicate<String> ourDomain) throws IOException {
        http = HttpServer.create(new InetSocketAddress(listen.host(), listen.port()), 50);
        http.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        for (String path : List.of("/mail/config-v1.1.xml", "/.well-known/autoconfig/mail/config-v1.1.xml"))
            http.createContext(path, ex -> serve(ex, setup, ourDomain));
    }

    public void start() {
        http.start();
        log.info("autoconfig on http://{}", new HostPort(address().getHostString(), address().getPort()));
    }

    public InetSocketAddress address() {
        return http.getAddress();
    }

    private static void serve(HttpExchange ex, ClientSetup setup, Predicate<String> ourDomain) throws IOException {
        try (ex) {
            if (!ex.getRequestMethod().equals("GET") && !ex.getRequestMethod().equals("HEAD")) {
                ex.sendResponseHeaders(405, -1);
                return;
            }
            String domain = domain(ex);
            if (domain == null || !ourDomain.test(domain)) {
                ex.sendResponseHeaders(404, -1);
                return;
            }
            byte[] body = setup.autoconfigXml(domain).getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", "application/xml; charset=utf-8");
            ex.sendResponseHeaders(200, ex.getRequestMethod().equals("HEAD") ? -1 : body.length);
            if (!ex.getRequestMethod().equals("HEAD")) ex.getResponseBody().write(body);
        }
    }

    /** The domain asked about: the emailaddress parameter's, else the Host's without "autoconfig.". */
    static String domain(HttpExchange ex) {
        String query = ex.getRequestURI().getRawQuery();
        if (query != null) {
            for (String p : query.split("&")) {
                if (!p.startsWith("emailaddress=")) continue;
                String address = java.net.URLDecoder.decode(p.substring("emailaddress=".length()), StandardCharsets.UTF_8);
                int at = address.lastIndexOf('@');
                if (at > 0 && at < address.length() - 1) return address.substring(at + 1).toLowerCase(Locale.ROOT);
            }
        }
        String host = ex.getRequestHeaders().getFirst("Host");
        if (host == null) return null;
        host = host.toLowerCase(Locale.ROOT).replaceFirst(":\\d+$", "");
        return host.startsWith("autoconfig.") ? host.substring("autoconfig.".length()) : host;
    }

    @Override
    public void close() {
        http.stop(0);
    }
}
