package dev.facteur.dns;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.xbill.DNS.EDNSOption;
import org.xbill.DNS.Message;
import org.xbill.DNS.Resolver;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.TSIG;

/**
 * The recursive servers: asked in the order configured, each try waiting at most the timeout, the
 * whole list gone through once more per retry (resolv.conf's "attempts"). A server that answers,
 * even SERVFAIL, ends the query. Each server falls back to TCP when a UDP answer is truncated.
 *
 * <p>Why not dnsjava's ExtendedResolver: it notices a silent server only when dnsjava's selector
 * thread wakes up idle, by default once a second ({@code dnsjava.nio.selector_timeout}), so a
 * 200 ms timeout fires up to a second late and the retries are cut off by its overall deadline.
 * Waiting on each try with its own deadline is exact.
 */
final class RecursiveServers implements Resolver {

    private final List<SimpleResolver> servers;
    private final int retries;
    private volatile Duration timeout;

    RecursiveServers(List<InetSocketAddress> addresses, Duration timeout, int retries) {
        if (addresses.isEmpty()) throw new IllegalArgumentException("no DNS servers");
        if (!timeout.isPositive()) throw new IllegalArgumentException("DNS timeout must be positive: " + timeout);
        if (retries < 0) throw new IllegalArgumentException("DNS retries cannot be negative: " + retries);
        this.servers = addresses.stream().map(SimpleResolver::new).toList();
        this.retries = retries;
        setTimeout(timeout);
    }

    @Override
    public Message send(Message query) throws IOException {
        IOException failure = null;
        for (int round = 0; round <= retries; round++) {
            for (SimpleResolver server : servers) {
                CompletableFuture<Message> answer = server.sendAsync(query).toCompletableFuture();
                try {
                    return answer.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
                } catch (TimeoutException e) {
                    answer.cancel(false);
                    failure = new SocketTimeoutException(server.getAddress() + " did not answer within " + timeout);
                } catch (ExecutionException e) {
                    failure = e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted while waiting for " + server.getAddress());
                }
            }
        }
        throw failure;
    }

    @Override
    public CompletionStage<Message> sendAsync(Message query, Executor executor) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return send(query);
            } catch (IOException e) {
                throw new CompletionException(e);
            }
        }, executor);
    }

    @Override
    public Duration getTimeout() {
        return timeout;
    }

    @Override
    public void setTimeout(Duration timeout) {
        this.timeout = timeout;
        // Also dnsjava's own deadline, after which it forgets a query we stopped waiting for.
        servers.forEach(s -> s.setTimeout(timeout));
    }

    @Override
    public void setPort(int port) {
        servers.forEach(s -> s.setPort(port));
    }

    @Override
    public void setTCP(boolean flag) {
        servers.forEach(s -> s.setTCP(flag));
    }

    @Override
    public void setIgnoreTruncation(boolean flag) {
        servers.forEach(s -> s.setIgnoreTruncation(flag));
    }

    @Override
    public void setEDNS(int version, int payloadSize, int flags, List<EDNSOption> options) {
        servers.forEach(s -> s.setEDNS(version, payloadSize, flags, options));
    }

    @Override
    public void setTSIGKey(TSIG key) {
        servers.forEach(s -> s.setTSIGKey(key));
    }

    @Override
    public String toString() {
        return "RecursiveServers" + servers.stream().map(SimpleResolver::getAddress).toList();
    }
}
