package dev.facteur.reports.tls;

/**
 * What delivery tells TLS reporting (RFC 8460): each SMTP session to a Policy Domain's MX, once
 * its TLS is settled, succeeded or failed under the policy that applied. Calls are cheap, never
 * throw, and never block on more than one store operation: reports are best effort, and mail
 * must not wait for them.
 *
 * <p>A "session" is one connection to one MX host that reached the point where the policy was
 * checked; RFC 8460 §4.2 counts them, not messages. A failure to fetch or parse the MTA-STS
 * policy, before any MX was tried, is one failed session with no MX host. RFC 8460 §5.3: the
 * sessions that deliver TLS reports themselves are not to be counted (nor held back by TLS
 * failures).
 */
public interface TlsReportRecorder {

    /**
     * A session whose TLS met the policy.
     *
     * @param policyDomain the recipient domain: where {@code _smtp._tls} is looked up, and whose report counts it
     * @param policy       the policy that applied
     * @param mxHost       the MX host; RFC 8460 §4.2 counts successes per policy only, so it is not reported
     */
    void success(String policyDomain, PolicyRef policy, String mxHost);

    /**
     * A session that failed the policy, or failed to negotiate TLS.
     *
     * @param policyDomain the recipient domain
     * @param policy       the policy that applied ({@link PolicyRef#noPolicyFound()} when none did)
     * @param mxHost       the MX host ({@code receiving-mx-hostname}), or null when none was tried
     * @param type         what failed ({@code result-type})
     * @param sendingIp    our address for the session ({@code sending-mta-ip}), or null
     * @param receivingIp  the MX's address ({@code receiving-ip}), or null
     * @param detail       a short reason ({@code failure-reason-code}, e.g. the TLS alert or the
     *                     validator's message), or null; not what makes failures alike: the
     *                     report carries the last one seen
     */
    void failure(String policyDomain, PolicyRef policy, String mxHost, FailureType type, String sendingIp, String receivingIp,
            String detail);

    /** Records nothing: reports are off. */
    TlsReportRecorder NONE = new TlsReportRecorder() {
        @Override
        public void success(String policyDomain, PolicyRef policy, String mxHost) {}

        @Override
        public void failure(String policyDomain, PolicyRef policy, String mxHost, FailureType type, String sendingIp,
                String receivingIp, String detail) {}

        @Override
        public String toString() {
            return "TlsReportRecorder.NONE";
        }
    };
}
