package dev.facteur.delivery;

/**
 * SMTP AUTH credentials for one relay host, and whether the connection must be encrypted before
 * they are sent.
 */
public record Credentials(String username, String password, boolean requireTls) {
    @Override
    public String toString() {
        return "Credentials[username=" + username + ", requireTls=" + requireTls + "]"; // never the password
    }
}
