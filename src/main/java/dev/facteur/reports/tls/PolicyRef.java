package dev.facteur.reports.tls;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The policy a session was held to, as a report names it (RFC 8460 §4.2, {@code policy}): its
 * type, its text, and the MX host patterns it allows. Sessions under equal policies count
 * together, so the delivery code passes the policy exactly as it applied it: a new policy (a
 * new MTA-STS id, rotated TLSA records) is a new entry in the day's report.
 *
 * @param type    {@code sts}, {@code tlsa} or {@code no-policy-found}
 * @param strings {@code policy-string}: the MTA-STS policy's lines ({@code version: STSv1},
 *                {@code mode: enforce}, ...), or each TLSA record as text ({@code 3 1 1 AB12...});
 *                empty for {@code no-policy-found}
 * @param mxHosts {@code mx-host}: the MTA-STS policy's {@code mx} patterns ({@code *.example.com}),
 *                or for DANE the MX host whose TLSA records applied; may be empty
 */
public record PolicyRef(Type type, List<String> strings, List<String> mxHosts) {

    /** {@code policy-type}. */
    public enum Type {
        STS("sts"),
        TLSA("tlsa"),
        NO_POLICY_FOUND("no-policy-found");

        private final String token;

        Type(String token) {
            this.token = token;
        }

        public String token() {
            return token;
        }

        public static Optional<Type> of(String token) {
            return Arrays.stream(values()).filter(t -> t.token.equals(token)).findFirst();
        }
    }

    public PolicyRef {
        strings = List.copyOf(strings);
        mxHosts = List.copyOf(mxHosts);
        if (type == Type.NO_POLICY_FOUND && (!strings.isEmpty() || !mxHosts.isEmpty()))
            throw new IllegalArgumentException("no-policy-found has no policy text and no MX patterns");
    }

    /** An MTA-STS policy (RFC 8461 §3.2): its lines as fetched, without their line ends, and its {@code mx} patterns. */
    public static PolicyRef sts(List<String> policyLines, List<String> mxPatterns) {
        return new PolicyRef(Type.STS, policyLines, mxPatterns);
    }

    /** The TLSA records of a DANE MX host (RFC 7672), each as text, e.g. {@code 3 1 1 AB12...}. */
    public static PolicyRef tlsa(List<String> records, String mxHost) {
        return new PolicyRef(Type.TLSA, records, List.of(mxHost));
    }

    /** Neither MTA-STS nor DANE applied: the session counts under {@code no-policy-found}. */
    public static PolicyRef noPolicyFound() {
        return new PolicyRef(Type.NO_POLICY_FOUND, List.of(), List.of());
    }
}
