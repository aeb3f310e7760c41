package dev.facteur.sasl;

import dev.facteur.smtp.Reply;
import dev.facteur.store.RateStore;
import dev.facteur.store.StoreUnavailable;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Password guessing, slowed and then stopped. Failures are counted in the shared store (so that
 * every node of a cluster sees them) over a window, three ways:
 *
 * <ul>
 * <li>from one address (an IPv6 client: its /64), whatever the account: past the limit, that
 *     address may not try any login for a while;
 * <li>for one account from one address: past the limit, that pair may not try;
 * <li>for one account from everywhere (guessing spread over many addresses): past the limit, the
 *     account may not be tried, except from addresses it logged in from successfully before, so
 *     that a stranger cannot lock a user out of their own mail.
 * </ul>
 *
 * A refused attempt gets {@code 454 4.7.0} before any password is checked. Each failure is
 * answered after a delay that doubles with the address's failures (1 s, 2 s, 4 s... at most 16 s).
 * A store that fails leaves logins unthrottled (a warning at most once a minute): the password
 * still has to be right.
 */
public final class FailedLogins {

    private static final Logger log = LoggerFactory.getLogger("facteur.smtpd");
    public static final Reply TOO_MANY = new Reply(454, "4.7.0", "Too many failed logins; try again later");
    static final Duration MAX_DELAY = Duration.ofSeconds(16);
    /** How long a successful login keeps its address known to the account. */
    static final Duration KNOWN_FOR = Duration.ofDays(30);

    /**
     * @param window      how long failures count
     * @param perAddress  failures from one address before it is refused
     * @param perPair     failures for one account from one address before that pair is refused
     * @param perAccount  failures for one account from anywhere before strangers are refused it
     */
    public record Limits(Duration window, int perAddress, int perPair, int perAccount) {
        public static final Limits DEFAULT = new Limits(Duration.ofMinutes(15), 10, 5, 30);
    }

    private final RateStore counts;
    private final Clock clock;
    private final Limits limits;
    private final AtomicLong lastWarning = new AtomicLong(Long.MIN_VALUE);

    public FailedLogins(RateStore counts, Clock clock, Limits limits) {
        this.counts = counts;
        this.clock = clock;
        this.limits = limits;
    }

    /** The refusal for {@code user} trying from {@code client} now, or null: they may try. */
    Reply refusal(String user, InetAddress client) {
        try {
            String from = source(client);
            if (count("from:" + from) >= limits.perAddress()) return refused(user, client, "too many failures from this address");
            if (count("pair:" + user + "|" + from) >= limits.perPair()) return refused(user, client, "too many failures for this login from this address");
            if (count("login:" + user) >= limits.perAccount()
                    && counts.count("auth-ok:" + user + "|" + from, clock.instant(), KNOWN_FOR) == 0)
                return refused(user, client, "too many failures for this login; this address never logged in to it");
            return null;
        } catch (StoreUnavailable e) {
            warn(e);
            return null;
        }
    }

    /** Records a failure; returns how long to wait before answering it. */
    Duration failed(String user, InetAddress client) {
        try {
            String from = source(client);
            long fromAddress = add("from:" + from);
            add("pair:" + user + "|" + from);
            add("login:" + user);
            long seconds = 1L << Math.min(fromAddress - 1, 4);
            return Duration.ofSeconds(Math.min(seconds, MAX_DELAY.toSeconds()));
        } catch (StoreUnavailable e) {
            warn(e);
            return Duration.ofSeconds(1);
        }
    }

    /** Records a success: the address becomes known to the account. */
    void succeeded(String user, InetAddress client) {
        try {
            counts.add("auth-ok:" + user + "|" + source(client), 1, clock.instant(), KNOWN_FOR);
        } catch (StoreUnavailable e) {
            warn(e);
        }
    }

    private long count(String key) {
        return counts.count("auth-fail:" + key, clock.instant(), limits.window());
    }

    private long add(String key) {
        return counts.add("auth-fail:" + key, 1, clock.instant(), limits.window());
    }

    private static Reply refused(String user, InetAddress client, String why) {
        log.warn("warning: unknown[{}]: SASL login refused for {}: {}", client.getHostAddress(), user, why);
        return TOO_MANY;
    }

    /** An IPv6 client has a /64 to choose addresses from: that counts as one address. */
    private static String source(InetAddress client) {
        if (!(client instanceof Inet6Address)) return client.getHostAddress();
        byte[] a = client.getAddress();
        for (int i = 8; i < 16; i++) a[i] = 0;
        try {
            return InetAddress.getByAddress(a).getHostAddress() + "/64";
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    private void warn(StoreUnavailable e) {
        long now = clock.millis(), last = lastWarning.get();
        if (now - last >= 60_000 && lastWarning.compareAndSet(last, now))
            log.warn("failed logins are not counted: the store is unavailable ({})", e.getMessage());
    }
}
