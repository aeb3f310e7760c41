package dev.facteur.message;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;

/**
 * RFC 5321 §4.1.2 paths, reverse paths and mailboxes, with and without RFC 6531 SMTPUTF8: any
 * string is a mailbox or {@link AddressSyntax.Invalid}, never another exception. What is valid
 * without SMTPUTF8 is ASCII and is valid with it too; an address refused only for want of
 * SMTPUTF8 is accepted with it; a mailbox written back parses to itself.
 */
class AddressSyntaxFuzzTest {

    @FuzzTest(maxDuration = "10m")
    void addressesParseOrAreRefusedWithAReason(byte[] input) {
        String s = new String(input, StandardCharsets.UTF_8);
        Mailbox ascii = mailbox(s, false);
        Mailbox utf8 = mailbox(s, true);
        if (ascii != null) {
            assertThat(ascii.isInternationalized()).as("accepted without SMTPUTF8: %s", ascii).isFalse();
            assertThat(utf8).isEqualTo(ascii);
        }
        if (utf8 != null) {
            assertThat(mailbox(utf8.toString(), true)).isEqualTo(utf8);
            if (utf8.hasDomain()) assertThat(path("<" + utf8 + ">", true)).isEqualTo(utf8);
        }
        for (boolean allowUtf8 : new boolean[] {false, true}) {
            Mailbox p = path(s, allowUtf8);
            if (p != null && !p.hasDomain()) p = null; // <Postmaster> is a recipient only (RFC 5321 §4.1.1.3)
            try {
                ReversePath r = AddressSyntax.parseReversePath(s, allowUtf8);
                assertThat(r.isNull() ? null : r.mailbox().orElseThrow()).isEqualTo(p);
            } catch (AddressSyntax.Invalid e) {
                assertThat(p).isNull();
            }
        }
    }

    /** The mailbox, or null when refused; a refusal for want of SMTPUTF8 must be lifted by it. */
    private static Mailbox mailbox(String s, boolean utf8) {
        try {
            return AddressSyntax.parseMailbox(s, utf8);
        } catch (AddressSyntax.Invalid e) {
            assertThat(e.getMessage()).isNotBlank();
            if (e.needsUtf8()) assertThat(AddressSyntax.tryParseMailbox(s, true)).as("needs SMTPUTF8: %s", s).isPresent();
            return null;
        }
    }

    private static Mailbox path(String s, boolean utf8) {
        try {
            Mailbox m = AddressSyntax.parsePath(s, utf8);
            if (!utf8) assertThat(m.isInternationalized()).as("accepted without SMTPUTF8: %s", m).isFalse();
            return m;
        } catch (AddressSyntax.Invalid e) {
            assertThat(e.getMessage()).isNotBlank();
            return null;
        }
    }
}
