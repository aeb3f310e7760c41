package dev.facteur.store;

import java.net.URI;
import java.time.Duration;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import redis.clients.jedis.ClientSetInfoConfig;
import redis.clients.jedis.Connection;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.util.JedisURIHelper;

/**
 * Connections to one Redis, each call bounded by one timeout as a whole: waiting for a free
 * connection, connecting, and every reply share one deadline, so a Redis that hangs or a pool
 * that is exhausted costs a caller at most the timeout, never a multiple of it. A failure is
 * {@link StoreUnavailable}.
 *
 * <p>A connection that fails is closed and so are the idle ones, opened before whatever broke it
 * (a restart of Redis closes them all). A script sent on an idle connection that turns out closed
 * is sent once more on a new one, within the same deadline: Redis had not run it on a connection
 * it had closed. (If the connection broke after Redis ran it, which only a broken network does, an
 * event counts twice: for limits and greylisting, a small error on the safe side.)
 */
final class RedisConnections implements AutoCloseable {

    /** Connections open at most at once; callers beyond wait for one, within their deadline. */
    static final int MAX_CONNECTIONS = 32;

    private final HostAndPort address;
    private final JedisClientConfig config;
    private final Duration timeout;
    private final Semaphore permits = new Semaphore(MAX_CONNECTIONS, true);
    private final Deque<Connection> idle = new ConcurrentLinkedDeque<>();
    private volatile boolean closed;

    /** {@code uri}: {@code redis://[[user]:password@]host[:port][/db]}, or {@code rediss://} for TLS. Nothing is connected yet. */
    RedisConnections(URI uri, Duration timeout) {
        if (!JedisURIHelper.isValid(uri) || !(JedisURIHelper.isRedisScheme(uri) || JedisURIHelper.isRedisSSLScheme(uri)))
            throw new IllegalArgumentException("not a redis://host:port/db URI: " + redacted(uri));
        if (timeout.isNegative() || timeout.isZero() || timeout.toMillis() > Integer.MAX_VALUE)
            throw new IllegalArgumentException("the Redis timeout must be positive: " + timeout);
        this.address = JedisURIHelper.getHostAndPort(uri);
        this.config = DefaultJedisClientConfig.builder(uri)
                .ssl(JedisURIHelper.isRedisSSLScheme(uri))
                .resp2() // what the scripts' replies are read as
                .clientName("facteur")
                .clientSetInfoConfig(ClientSetInfoConfig.DISABLED) // two round trips fewer per connection; CLIENT LIST shows the name
                .build();
        this.timeout = timeout;
    }

    /** Runs {@code script} with these keys and arguments; its reply (a Long, a byte[], a List...). */
    Object eval(RedisScript script, List<String> keys, List<String> args) {
        if (closed) throw unavailable("closed", null);
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            if (!permits.tryAcquire(deadline - System.nanoTime(), TimeUnit.NANOSECONDS))
                throw unavailable("no connection free within " + timeout.toMillis() + " ms", null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw unavailable("interrupted", e);
        }
        try {
            Connection c = idle.pollFirst();
            if (c != null) {
                try {
                    return run(c, script, keys, args, deadline);
                } catch (JedisConnectionException e) {
                    forgetIdle();
                    if (deadline - System.nanoTime() <= 0) throw unavailable(e.getMessage(), e);
                }
            }
            return run(connect(deadline), script, keys, args, deadline);
        } catch (JedisException e) {
            throw unavailable(e.getMessage(), e);
        } finally {
            permits.release();
        }
    }

    /** Runs the script on {@code c}, which goes back to the idle ones if it worked and is closed if the connection failed. */
    private Object run(Connection c, RedisScript script, List<String> keys, List<String> args, long deadline) {
        try {
            Object reply = script.run(c, keys, args, () -> c.setSoTimeout(millisLeft(deadline)));
            release(c);
            return reply;
        } catch (JedisConnectionException e) {
            c.close();
            throw e;
        } catch (RuntimeException e) {
            release(c);
            throw e;
        }
    }

    private void release(Connection c) {
        if (closed || c.isBroken()) c.close();
        else idle.offerFirst(c);
    }

    private Connection connect(long deadline) {
        int left = millisLeft(deadline);
        return new Connection(address, DefaultJedisClientConfig.builder().from(config)
                .connectionTimeoutMillis(left).socketTimeoutMillis(left).build());
    }

    /** At least 1: a socket timeout of 0 would wait forever. */
    private static int millisLeft(long deadline) {
        long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        if (left <= 0) throw new JedisConnectionException("timed out");
        return (int) Math.max(1, left);
    }

    private void forgetIdle() {
        for (Connection c; (c = idle.pollFirst()) != null; ) c.close();
    }

    private StoreUnavailable unavailable(String why, Throwable cause) {
        return new StoreUnavailable("Redis at " + address + ": " + why, cause);
    }

    /** The URI without its password, for messages. */
    static String redacted(URI uri) {
        return uri.getUserInfo() == null ? uri.toString() : uri.toString().replace(uri.getRawUserInfo() + "@", "***@");
    }

    @Override
    public String toString() {
        return "Redis at " + address;
    }

    /** Closes the idle connections; those in use close when their call ends. */
    @Override
    public void close() {
        closed = true;
        forgetIdle();
    }
}
