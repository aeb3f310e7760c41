package dev.facteur.reports.tls;

import java.util.Arrays;
import java.util.Optional;

/**
 * Why a session failed, as a report's {@code result-type} names it (RFC 8460 §4.3): what went
 * wrong negotiating TLS (§4.3.1), or with the DANE (§4.3.2.1) or MTA-STS (§4.3.2.2) policy.
 */
public enum FailureType {
    // §4.3.1 Negotiation failures
    /** The receiving MX does not offer STARTTLS. */
    STARTTLS_NOT_SUPPORTED("starttls-not-supported"),
    /** The certificate does not name the host the policy says (MTA-STS) or the MX host. */
    CERTIFICATE_HOST_MISMATCH("certificate-host-mismatch"),
    /** The certificate has expired. */
    CERTIFICATE_EXPIRED("certificate-expired"),
    /** The certificate chains to no trusted authority. */
    CERTIFICATE_NOT_TRUSTED("certificate-not-trusted"),
    /** Any other failure to negotiate TLS or validate the certificate. */
    VALIDATION_FAILURE("validation-failure"),
    // §4.3.2.1 DANE
    /** The TLSA records are unusable or do not match the certificate. */
    TLSA_INVALID("tlsa-invalid"),
    /** The TLSA records could not be validated by DNSSEC. */
    DNSSEC_INVALID("dnssec-invalid"),
    /** DANE was required but the MX offered no usable TLSA records. */
    DANE_REQUIRED("dane-required"),
    // §4.3.2.2 MTA-STS
    /** The policy could not be fetched (HTTPS failure, no TXT record while a policy was cached...). */
    STS_POLICY_FETCH_ERROR("sts-policy-fetch-error"),
    /** The policy was fetched but does not parse. */
    STS_POLICY_INVALID("sts-policy-invalid"),
    /** The policy host's certificate did not validate (WebPKI). */
    STS_WEBPKI_INVALID("sts-webpki-invalid");

    private final String token;

    FailureType(String token) {
        this.token = token;
    }

    /** The JSON name, e.g. {@code certificate-expired}. */
    public String token() {
        return token;
    }

    /** The type that {@code token} names, if any. */
    public static Optional<FailureType> of(String token) {
        return Arrays.stream(values()).filter(t -> t.token.equals(token)).findFirst();
    }
}
