package dev.facteur.smtp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.facteur.message.AddressSyntax;
import dev.facteur.message.Mailbox;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** RCPT's ORCPT parameter (RFC 3461 §4.2) with the RFC 6533 §3 {@code utf-8} address type. */
class EsmtpParametersTest {

    private static String orcpt(String value, boolean smtpUtf8) throws EsmtpParameters.Refused {
        return EsmtpParameters.rcpt(Map.of("ORCPT", value), smtpUtf8).orcpt();
    }

    @ParameterizedTest
    @ValueSource(strings = {"utf-8;a\rb@example.test", "utf-8;a\tb@example.test", "utf-8;a\0b@example.test",
            "utf-8;a\u007fb@example.test", "utf-8;a\\x{0D}b@example.test", "utf-8;a\\x{00}b@example.test",
            "utf-8;\u00e9\rb@example.test"})
    void aUtf8OrcptHoldsNoControlCharacter(String value) { // RFC 6533 §3: QCHAR is %x21-7E, and dequoted it is a Mailbox
        for (boolean smtpUtf8 : new boolean[] {false, true}) {
            assertThatThrownBy(() -> orcpt(value, smtpUtf8)).isInstanceOfSatisfying(EsmtpParameters.Refused.class,
                    e -> assertThat(e.reply).isEqualTo(new Reply(501, "5.5.4", "Bad value for ORCPT")));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"utf-8;a b@example.test", "utf-8;a+b@example.test", "utf-8;a=b@example.test",
            "utf-8;a\\b@example.test", "utf-8;a\\x{2B@example.test", "utf-8;a\\x{}b@example.test", "utf-8;a\\x{G0}@example.test",
            "utf-8;a\\x{\uff12\uff22}@example.test", "utf-8;a\\x{D800}@example.test", "utf-8;a\\x{110000}@example.test"})
    void aUtf8OrcptEscapesSpacePlusEqualsAndBackslashAsHexpoint(String value) { // RFC 6533 §3 QCHAR, EmbeddedUnicodeChar
        assertThatThrownBy(() -> orcpt(value, true)).isInstanceOf(EsmtpParameters.Refused.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"utf-8;\\x{E9}lodie\\x{2B}x@exemple.test", "utf-8;\\x{e9}lodie@exemple.test",
            "utf-8;\\x{22}a\\x{20}b\\x{22}@example.test", "utf-8;a@\\x{10FFFF}.example"})
    void utf8AddrXtextIsAcceptedWithoutSmtpUtf8(String value) throws EsmtpParameters.Refused { // RFC 6533 §3 utf-8-addr-xtext
        assertThat(orcpt(value, false)).isEqualTo(value);
    }

    @ParameterizedTest
    @ValueSource(strings = {"utf-8;\u00e9lodie@exemple.test", "utf-8;\u00e9lodie\\x{2B}x@\u4f8b\u3048.test"})
    void utf8AddrUnitextNeedsSmtpUtf8(String value) throws EsmtpParameters.Refused { // RFC 6533 §3 utf-8-addr-unitext
        assertThat(orcpt(value, true)).isEqualTo(value);
        assertThatThrownBy(() -> orcpt(value, false)).isInstanceOf(EsmtpParameters.Refused.class);
    }

    /** A domain of 183 characters: with a local part of 63, the longest path there may be (RFC 5321 §4.5.3.1.3). */
    private static final String LONG_DOMAIN = "b".repeat(63) + "." + "c".repeat(63) + "." + "d".repeat(50) + ".test";

    @Test
    void anOrcptWrittenForAnAliasIsLeftOutWhenEncodedItWouldBeLongerThanServersTake() throws Exception { // RFC 3461 §4.2: 500
        // every "=" of a UTF-8 address becomes \x{3D} (RFC 6533 §3): six characters for one
        Mailbox equalsSigns = AddressSyntax.parseMailbox("\u00e9" + "=".repeat(62) + "@" + LONG_DOMAIN, true);
        assertThat(EsmtpParameters.orcptOf(equalsSigns)).isNull();

        Mailbox plain = AddressSyntax.parseMailbox("\u00e9" + "a".repeat(62) + "@" + LONG_DOMAIN, true);
        String written = EsmtpParameters.orcptOf(plain);
        assertThat(written).isEqualTo("utf-8;" + plain);
        assertThat(orcpt(written, true)).as("what Facteur writes, it takes").isEqualTo(written);
    }
}
