package dev.facteur.message;

/**
 * Who handed us a message: the peer address, what it said in EHLO/HELO, the protocol name for
 * the Received header (RFC 3848: SMTP, ESMTP, ESMTPS, ...), and the TLS session if any.
 *
 * @param tls e.g. {@code "TLSv1.3 TLS_AES_256_GCM_SHA384"}, or empty without TLS
 */
public record ClientInfo(String address, String helo, String protocol, String tls) {
    public ClientInfo {
        helo = helo == null ? "" : helo;
        tls = tls == null ? "" : tls;
    }
}
