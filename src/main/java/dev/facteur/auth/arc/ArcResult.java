package dev.facteur.auth.arc;

import dev.facteur.auth.AuthenticationResults;
import java.net.InetAddress;
import java.util.List;

/**
 * What validating a message's chain found (RFC 8617 §5.2), named by its chain validation status
 * (§4.4), which is also the RFC 8601 result of the {@code arc} method (§10.1). A pass names the
 * sealers and what each recorded, for a receiver's local policy to weigh (§7.2).
 */
public sealed interface ArcResult {

    ChainValidationStatus status();

    /** The message carries no ARC set. */
    record None() implements ArcResult {
        @Override
        public ChainValidationStatus status() {
            return ChainValidationStatus.NONE;
        }
    }

    /**
     * Every seal verified, and the newest message signature.
     *
     * @param hops       the sets, instance 1 (the first sealer) first
     * @param oldestPass the oldest instance whose message signature still verifies, with all
     *                   newer ones; 0 when all do, as RFC 8617 §5.2 step 5 and §10.2
     *                   ({@code header.oldest-pass}) count. Above 1, the message changed after
     *                   that hop: what earlier sealers vouched for may no longer be what it says.
     */
    record Pass(List<Hop> hops, int oldestPass) implements ArcResult {
        public Pass {
            hops = List.copyOf(hops);
            if (hops.isEmpty()) throw new IllegalArgumentException("a passing chain has a set at least");
        }

        @Override
        public ChainValidationStatus status() {
            return ChainValidationStatus.PASS;
        }

        /** N, the newest instance. */
        public int instance() {
            return hops.size();
        }

        /** The sealing domains (each seal's d=), instance 1 first. */
        public List<String> sealers() {
            return hops.stream().map(Hop::sealer).toList();
        }

        /** The newest set: the hop that handed the message to us. */
        public Hop newest() {
            return hops.getLast();
        }
    }

    /**
     * The chain does not validate, or could not be checked.
     *
     * @param highestInstance the greatest instance found, 0 when none could be read
     */
    record Fail(String reason, int highestInstance, Failure failure) implements ArcResult {
        @Override
        public ChainValidationStatus status() {
            return ChainValidationStatus.FAIL;
        }
    }

    /**
     * Why a chain failed, as far as a sealer must know: a broken chain is sealed cv=fail (§5.1.2);
     * one a sealer already marked failed is not sealed again (§5.1 step 2). RFC 8617 has no
     * temperror: a key DNS did not give now fails the chain as well, but sealing that cv=fail
     * would condemn the message for every later hop, so it is told apart.
     */
    enum Failure {
        /** A structure, syntax, key or signature fault: the chain will never validate. */
        BROKEN,
        /** The newest seal says cv=fail (§5.2 step 2). */
        MARKED_FAILED,
        /** A key could not be fetched now; later may work. */
        TEMPORARY,
        /** The header section was too large to read. */
        UNREADABLE
    }

    /**
     * One ARC set as the receiver's policy sees it.
     *
     * @param sealer     the seal's d=: who vouches for the chain up to here
     * @param signer     the message signature's d=, usually the sealer's
     * @param authservId the authserv-id of the set's ARC-Authentication-Results
     * @param results    what that sealer found (the method results of its ARC-Authentication-Results)
     */
    record Hop(int instance, String sealer, String selector, String signer, String authservId, String results) {}

    /** The method result for an Authentication-Results field (RFC 8601 §2.2, RFC 8617 §10.2). */
    default String methodResult() {
        return switch (this) {
            case None n -> "arc=none";
            case Pass p -> "arc=pass (i=" + p.instance() + " sealed by " + String.join(",", p.sealers()) + ") header.oldest-pass="
                    + p.oldestPass();
            case Fail f -> "arc=fail reason=" + quoted(f.reason());
        };
    }

    /** {@link #methodResult} with the SMTP client's address, {@code smtp.remote-ip} (RFC 8617 §10.2). */
    default String methodResult(InetAddress remoteIp) {
        return methodResult() + " smtp.remote-ip=" + remoteIp.getHostAddress();
    }

    private static String quoted(String text) {
        return "\"" + AuthenticationResults.sanitize(text).replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
