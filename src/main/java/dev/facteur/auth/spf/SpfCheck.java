package dev.facteur.auth.spf;

import java.net.InetAddress;

/**
 * One identity checked for one client, with everything the header fields about it name.
 *
 * @param identity the identity checked (§2.3, §2.4)
 * @param clientIp the SMTP client
 * @param helo     the HELO/EHLO name the client gave
 * @param sender   the {@code <sender>} check_host() was given: the MAIL FROM address, or
 *                 {@code postmaster@} the HELO name for HELO and for a null reverse-path
 * @param domain   the domain whose policy was evaluated
 * @param result   what check_host() said
 */
public record SpfCheck(Identity identity, InetAddress clientIp, String helo, String sender, String domain, SpfResult result) {

    /** §9.1's {@code identity} key. */
    public enum Identity {
        /** §2.3: the HELO/EHLO name. */
        HELO("helo"),
        /** §2.4: the MAIL FROM reverse-path (or postmaster at the HELO name when it is null). */
        MAILFROM("mailfrom");

        private final String keyword;

        Identity(String keyword) {
            this.keyword = keyword;
        }

        public String keyword() {
            return keyword;
        }
    }
}
