package dev.facteur.sasl;

import dev.facteur.smtp.Authenticator;
import dev.facteur.smtp.Reply;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

/**
 * Any source of logins (the users file, Dovecot) behind {@link FailedLogins}: a client that
 * failed too often is refused ({@code 454 4.7.0}) before its password is checked, and each wrong
 * password is answered after a delay. It reads the login name from the exchange as it passes:
 * PLAIN's authentication identity, LOGIN's first response, SCRAM's {@code n=}.
 */
public final class Throttled implements Authenticator {

    /** Waits before a failure is answered (a seam: tests do not sleep). */
    @FunctionalInterface
    public interface Sleeper {
        void sleep(Duration d) throws InterruptedException;
    }

    private final Authenticator logins;
    private final FailedLogins failures;
    private final Sleeper sleeper;

    public Throttled(Authenticator logins, FailedLogins failures, Sleeper sleeper) {
        this.logins = logins;
        this.failures = failures;
        this.sleeper = sleeper;
    }

    @Override
    public List<String> mechanisms(boolean tls) {
        return logins.mechanisms(tls);
    }

    @Override
    public Exchange start(String mechanism, InetAddress client, boolean tls) {
        Exchange inner = logins.start(mechanism, client, tls);
        if (inner == null) return null;
        return new Exchange() {
            private String user;
            private int responses;

            @Override
            public Step step(byte[] response) {
                if (response != null && (response.length > 0 || mechanism.equals("PLAIN"))) responses++;
                if (user == null && response != null) user = userOf(mechanism, response, responses);
                // the response that proves the password: PLAIN's only one, LOGIN's second, SCRAM's client-final
                boolean password = mechanism.equals("PLAIN") ? responses == 1 : responses == 2;
                if (user != null && password && response != null) {
                    Reply refused = failures.refusal(user, client);
                    if (refused != null) return new Step.Failure(refused, "too many failed logins");
                }
                Step s = inner.step(response);
                if (s instanceof Step.Success ok) {
                    failures.succeeded(ok.user(), client);
                } else if (s instanceof Step.Failure f && f.reply().code() == 535 && user != null) {
                    try {
                        sleeper.sleep(failures.failed(user, client));
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                return s;
            }
        };
    }

    /** The login name in the {@code n}-th response, if that one carries it. */
    private static String userOf(String mechanism, byte[] response, int n) {
        if (mechanism.equals("LOGIN")) return n == 1 ? new String(response, StandardCharsets.UTF_8) : null;
        if (mechanism.startsWith("SCRAM-")) { // client-first: gs2 header, then n=user
            if (n != 1) return null;
            for (String a : new String(response, StandardCharsets.UTF_8).split(","))
                if (a.startsWith("n=")) return a.substring(2).replace("=2C", ",").replace("=3D", "=");
            return null;
        }
        int first = -1, second = -1;
        for (int i = 0; i < response.length; i++) {
            if (response[i] != 0) continue;
            if (first < 0) first = i;
            else {
                second = i;
                break;
            }
        }
        return second < 0 ? null : new String(response, first + 1, second - first - 1, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return logins.toString();
    }
}
