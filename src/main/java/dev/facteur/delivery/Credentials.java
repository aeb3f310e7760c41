package dev.facteur.delivery;

import javax.net.ssl.SSLContext;

/**
 * SMTP AUTH credentials for one relay host, and whether the connection must be encrypted before
 * they are sent.
 *
 * @param tls with {@code requireTls}, the context that must verify the relay's certificate (and
 *            its name) before the password goes out; null to accept any certificate
 */
public record Credentials(String username, String password, boolean requireTls, SSLContext tls) {
    @Override
    public String toString() {
        return "Credentials[username=" + username + ", requireTls=" + requireTls + ", verified=" + (tls != null) + "]"; // never the password
    }
}
