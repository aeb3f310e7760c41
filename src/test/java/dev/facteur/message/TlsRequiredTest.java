package dev.facteur.message;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** RFC 8689 §3: {@code requiretls-field = "TLS-Required:" [FWS] "No" CRLF}, at most once in a message. */
class TlsRequiredTest {

    private static String header(String field) {
        return "From: alice@example.org\r\nSubject: a certificate of yours has expired\r\n" + field + "Date: Tue, 1 Dec 2026 10:00:00 +0000\r\n\r\n";
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "TLS-Required: No\r\n",
            "TLS-Required:No\r\n",              // [FWS]: the space is optional
            "tls-required: no\r\n",             // ABNF strings are case-insensitive (RFC 5234 §2.3)
            "TLS-REQUIRED: NO\r\n",
            "TLS-Required:\r\n No\r\n",         // FWS may fold (RFC 5322 §3.2.2)
            "TLS-Required:\t No \t\r\n",        // white space after the value is no part of it
            "TLS-Required : No\r\n"})           // RFC 5322 §4.5.3 obsolete white space before the colon
    void theFieldAsksThatTlsNotBeRequired(String field) {
        assertThat(TlsRequired.saysNo(header(field))).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "",                                  // no field
            "TLS-Required: Yes\r\n",             // "No" is the only value there is
            "TLS-Required: N o\r\n",
            "TLS-Required: No thanks\r\n",
            "TLS-Required: No (a comment)\r\n",  // the ABNF has FWS, not CFWS
            "TLS-Required:\r\n",
            "X-TLS-Required: No\r\n",
            "TLS-Required-Not: No\r\n",
            "TLS-Required: No\r\nTLS-Required: No\r\n"}) // "More than one instance ... MUST NOT appear"
    void anythingElseAsksNothing(String field) {
        assertThat(TlsRequired.saysNo(header(field))).isFalse();
    }

    @Test
    void theFieldCountsInTheHeaderOfAStoredMessageAndNotInItsBody() throws IOException { // RFC 5322 §2.1
        String inBody = header("") + "TLS-Required: No\r\n";
        assertThat(TlsRequired.saysNo(stream(inBody))).isFalse();
        assertThat(TlsRequired.saysNo(stream(header("TLS-Required: No\r\n") + "the body\r\n"))).isTrue();
    }

    private static ByteArrayInputStream stream(String message) {
        return new ByteArrayInputStream(message.getBytes(StandardCharsets.US_ASCII));
    }
}
