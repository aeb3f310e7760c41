package dev.facteur.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Refusals read by their RFC 3463 enhanced status code, as the metrics' reason label names them. */
class RefusalReasonTest {

    @ParameterizedTest(name = "{0} {1} {2}: {3}")
    @CsvSource(delimiter = '|', textBlock = """
            552 | 5.3.4  | Message size exceeds fixed maximum message size | SIZE
            552 | 5.2.3  | Message length exceeds administrative limit      | SIZE
            554 | 5.7.1  | Relay access denied                              | POLICY
            451 | 4.7.1  | Greylisted, try again later                      | POLICY
            550 | 5.1.8  | Sender domain has no MX                          | POLICY
            550 | 5.1.1  | No such user                                     | RECIPIENTS
            452 | 4.5.3  | Too many recipients                              | RECIPIENTS
            552 | 5.2.2  | Mailbox full                                     | RECIPIENTS
            501 | 5.5.4  | Syntax: MAIL FROM:<address> [parameters]         | SYNTAX
            503 | 5.5.1  | Need RCPT command                                | SYNTAX
            550 | 5.6.0  | Message refused: NUL character in content        | SYNTAX
            553 | 5.1.3  | Bad recipient address syntax                     | SYNTAX
            530 | 5.7.0  | Must issue a STARTTLS command first              | TLS
            550 | 5.7.30 | REQUIRETLS support required                      | TLS
            538 | 5.7.11 | Encryption required for requested authentication mechanism | TLS
            530 | 5.7.0  | Authentication required                          | AUTH
            535 | 5.7.8  | Authentication credentials invalid               | AUTH
            452 | 4.3.1  | Insufficient system storage                      | OTHER
            451 | 4.3.0  | Local error in processing                        | OTHER
            554 | 5.4.6  | Too many Received: header fields                 | OTHER
            """)
    void theEnhancedCodeSaysWhy(int code, String enhanced, String text, RefusalReason reason) {
        assertThat(RefusalReason.of(code, enhanced, text)).isEqualTo(reason);
    }

    @ParameterizedTest(name = "{0} without an enhanced code: {1}") // RFC 5321 §4.2.3
    @CsvSource({"552, SIZE", "535, AUTH", "538, TLS", "500, SYNTAX", "503, SYNTAX", "550, OTHER", "421, OTHER"})
    void withoutOneTheBasicCodeSays(int code, RefusalReason reason) {
        assertThat(RefusalReason.of(code, "", "text")).isEqualTo(reason);
    }

    @Test
    void aMalformedEnhancedCodeFallsBackToTheBasicCode() {
        assertThat(RefusalReason.of(552, "5.x.4", "text")).isEqualTo(RefusalReason.SIZE);
        assertThat(RefusalReason.of(550, "5.1", "text")).isEqualTo(RefusalReason.OTHER);
    }

    @Test
    void labelsAreLowerCase() {
        assertThat(RefusalReason.RECIPIENTS.label()).isEqualTo("recipients");
    }
}
