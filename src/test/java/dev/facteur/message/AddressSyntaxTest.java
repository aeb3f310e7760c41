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
    void barePostmasterIsNoSender() { // RFC 5321 §4.1.1.3: only RCPT may name it without a domain
        assertThatThrownBy(() -> AddressSyntax.parseReversePath("<Postmaster>", false)).isInstanceOf(AddressSyntax.Invalid.class)
                .hasMessageContaining("recipient");
        assertThatThrownBy(() -> AddressSyntax.parseReversePath("<@relay.example:postmaster>", false))
                .isInstanceOf(AddressSyntax.Invalid.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"<\"alice\"@example.test>", "<\"al\\ice\"@example.test>", "<\"alice\"@EXAMPLE.test>"})
    void aQuotedLocalPartThatNeedsNoQuotingIsTheSameMailbox(String path) throws AddressSyntax.Invalid { // RFC 5322 §3.2.4
        Mailbox m = AddressSyntax.parsePath(path, false);
        assertThat(m.localPart()).isEqualTo("alice");
        assertThat(m.toString()).isEqualToIgnoringCase("alice@example.test");
    }

    @Test
    void aQuotedLocalPartKeepsQuotesWhereItNeedsThem() throws AddressSyntax.Invalid { // RFC 5321 §4.1.2
        assertThat(AddressSyntax.parsePath("<\"first last\"@example.test>", false).localPart()).isEqualTo("\"first last\"");
        assertThat(AddressSyntax.parsePath("<\"user@other\"@example.test>", false).localPart()).isEqualTo("\"user@other\"");
        assertThat(AddressSyntax.parsePath("<\"a..b\"@example.test>", false).localPart()).isEqualTo("\"a..b\"");
        // quoted pairs that need no backslash lose it; a quote and a backslash keep theirs
        assertThat(AddressSyntax.parsePath("<\"a\\ b\\\"c\\\\\"@example.test>", false).localPart()).isEqualTo("\"a b\\\"c\\\\\"");
        assertThat(AddressSyntax.parsePath("<\"jos\u00e9\"@example.test>", true).localPart()).isEqualTo("jos\u00e9");
    }

    @ParameterizedTest
    @ValueSource(strings = {"<a@[\u0661\u0662\u0667.0.0.1]>", "<a@[127.0.0.\uff11]>", "<a@[IPv6:::\uff11]>", "<a@[IPv6:\u0661::1]>"})
    void addressLiteralsTakeAsciiDigitsOnly(String path) { // RFC 5321 §4.1.3: Snum = 1*3DIGIT, DIGIT is %x30-39
        assertThatThrownBy(() -> AddressSyntax.parsePath(path, true)).isInstanceOf(AddressSyntax.Invalid.class);
    }

    @Test
    void utf8AddressesNeedSmtpUtf8() throws AddressSyntax.Invalid { // RFC 6531 §3.3
        assertThatThrownBy(() -> AddressSyntax.parsePath("<élodie@exemple.test>", false))
                .isInstanceOfSatisfying(AddressSyntax.Invalid.class, e -> assertThat(e.needsUtf8()).isTrue());
        assertThat(AddressSyntax.parsePath("<élodie@exemple.test>", true).localPart()).isEqualTo("élodie");
        assertThat(AddressSyntax.parsePath("<a@bücher.example>", true).domain()).isEqualTo("bücher.example");
        assertThatThrownBy(() -> AddressSyntax.parsePath("<a@bücher.example>", false))
                .isInstanceOfSatisfying(AddressSyntax.Invalid.class, e -> assertThat(e.needsUtf8()).isTrue());
    }

    @ParameterizedTest
    @ValueSource(strings = {"<jörg@büch\\E]er.example>", "<jörg@>", "<jörg@-bad.example>", "<jörg@[300.0.0.1]>",
            "<\"jörg\"@example..test>"})
    void needsSmtpUtf8IsSaidOnlyOfAnAddressValidWithIt(String path) { // RFC 6531 §3.5: 553 5.6.7, else RFC 5321 syntax error
        assertThatThrownBy(() -> AddressSyntax.parsePath(path, true)).isInstanceOf(AddressSyntax.Invalid.class);
        assertThatThrownBy(() -> AddressSyntax.parsePath(path, false))
                .isInstanceOfSatisfying(AddressSyntax.Invalid.class, e -> assertThat(e.needsUtf8()).isFalse());
    }

    @Test
    void lengthLimits() { // RFC 5321 §4.5.3.1
        assertThatThrownBy(() -> AddressSyntax.parsePath("<" + "a".repeat(65) + "@example.test>", false))
                .isInstanceOf(AddressSyntax.Invalid.class);
        assertThatThrownBy(() -> AddressSyntax.parsePath("<a@" + "b".repeat(63) + "." + "c".repeat(63) + "." + "d".repeat(63)
                + "." + "e".repeat(63) + ".test>", false)).isInstanceOf(AddressSyntax.Invalid.class);
    }

    @Test
    void noMailboxIsLongerThanAPathMayBe() throws AddressSyntax.Invalid { // RFC 5321 §4.5.3.1.3: 256
        String domain = "b".repeat(63) + "." + "c".repeat(63) + "." + "d".repeat(59) + ".test"; // 192, within 255
        String longest = "a".repeat(63) + "@" + domain;
        assertThat(AddressSyntax.parseMailbox(longest, false).toString()).hasSize(256);
        assertThat(AddressSyntax.parsePath("<" + longest + ">", false).toString()).isEqualTo(longest);
        String tooLong = "a" + longest; // a local part of 64, within its own limit
        assertThatThrownBy(() -> AddressSyntax.parseMailbox(tooLong, false)).isInstanceOf(AddressSyntax.Invalid.class)
                .hasMessage("Path too long");
        assertThatThrownBy(() -> AddressSyntax.parsePath("<" + tooLong + ">", false)).isInstanceOf(AddressSyntax.Invalid.class);
    }

    @Test
    void nullReversePath() throws AddressSyntax.Invalid { // RFC 5321 §4.5.5
        assertThat(AddressSyntax.parseReversePath("<>", false).isNull()).isTrue();
    }
}
