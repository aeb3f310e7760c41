package dev.facteur.message;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AddressSyntaxTest {

    @ParameterizedTest
    @ValueSource(strings = {"<a@example.test>", "<first.last+tag@sub.example.test>", "<\"quoted name\"@example.test>",
            "<user@[127.0.0.5]>", "<user@[IPv6:::1]>", "<SRS0=HHH=TT=example.com=joe@fwd.example.org>"})
    void validPaths(String path) throws AddressSyntax.Invalid { // RFC 5321 §4.1.2
        assertThat(AddressSyntax.parsePath(path, false).toString()).isEqualTo(path.substring(1, path.length() - 1));
    }

    @ParameterizedTest
    @ValueSource(strings = {"a@example.test", "<a@>", "<@example.test>", "<a..b@example.test>", "<.a@example.test>",
            "<a@-bad.example>", "<a@[300.1.1.1]>", "<a b@example.test>", "<a@b@example.test>"})
    void invalidPaths(String path) {
        assertThatThrownBy(() -> AddressSyntax.parsePath(path, false)).isInstanceOf(AddressSyntax.Invalid.class);
    }

    @Test
    void sourceRoutesAreAcceptedAndIgnored() throws AddressSyntax.Invalid { // RFC 5321 §4.1.2, Appendix C
        assertThat(AddressSyntax.parsePath("<@relay.example,@other.example:user@example.test>", false))
                .isEqualTo(new Mailbox("user", "example.test"));
    }

    @Test
    void barePostmasterIsARecipient() throws AddressSyntax.Invalid { // RFC 5321 §4.1.1.3
        Mailbox m = AddressSyntax.parsePath("<Postmaster>", false);
        assertThat(m.isPostmaster()).isTrue();
        assertThat(m.hasDomain()).isFalse();
    }

    @Test
    void utf8AddressesNeedSmtpUtf8() throws AddressSyntax.Invalid { // RFC 6531 §3.3
        assertThatThrownBy(() -> AddressSyntax.parsePath("<élodie@exemple.test>", false))
                .isInstanceOfSatisfying(AddressSyntax.Invalid.class, e -> assertThat(e.needsUtf8()).isTrue());
        assertThat(AddressSyntax.parsePath("<élodie@exemple.test>", true).localPart()).isEqualTo("élodie");
        assertThat(AddressSyntax.parsePath("<a@bücher.example>", true).domain()).isEqualTo("bücher.example");
    }

    @Test
    void lengthLimits() { // RFC 5321 §4.5.3.1
        assertThatThrownBy(() -> AddressSyntax.parsePath("<" + "a".repeat(65) + "@example.test>", false))
                .isInstanceOf(AddressSyntax.Invalid.class);
        assertThatThrownBy(() -> AddressSyntax.parsePath("<a@" + "b".repeat(63) + "." + "c".repeat(63) + "." + "d".repeat(63)
                + "." + "e".repeat(63) + ".test>", false)).isInstanceOf(AddressSyntax.Invalid.class);
    }

    @Test
    void nullReversePath() throws AddressSyntax.Invalid { // RFC 5321 §4.5.5
        assertThat(AddressSyntax.parseReversePath("<>", false).isNull()).isTrue();
    }
}
