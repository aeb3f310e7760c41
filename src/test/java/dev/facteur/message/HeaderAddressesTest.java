package dev.facteur.message;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

class HeaderAddressesTest {

    private static final UnaryOperator<Mailbox> OLD_TO_NEW =
            m -> m.domainKey().equals("old.example") ? new Mailbox(m.localPart(), "example.test") : m;

    @Test
    void addressesAreRewrittenAndEverythingElseIsKept() { // RFC 5322 §3.4
        assertThat(HeaderAddresses.rewrite(" Joe <joe@old.example>\r\n", OLD_TO_NEW)).isEqualTo(" Joe <joe@example.test>\r\n");
        assertThat(HeaderAddresses.rewrite(" joe@old.example (Joe at old.example)\r\n", OLD_TO_NEW))
                .isEqualTo(" joe@example.test (Joe at old.example)\r\n");
        assertThat(HeaderAddresses.rewrite(" \"joe@old.example\" <joe@old.example>,\r\n\tann@elsewhere.example\r\n", OLD_TO_NEW))
                .isEqualTo(" \"joe@old.example\" <joe@example.test>,\r\n\tann@elsewhere.example\r\n");
        assertThat(HeaderAddresses.rewrite(" team: a@old.example, b@old.example;\r\n", OLD_TO_NEW))
                .isEqualTo(" team: a@example.test, b@example.test;\r\n");
    }

    @Test
    void aValueWithNothingToRewriteIsTheSameString() {
        String v = " undisclosed-recipients:;\r\n";
        assertThat(HeaderAddresses.rewrite(v, OLD_TO_NEW)).isSameAs(v);
    }

    /** A header value as the server holds it: its UTF-8 bytes, one char each. */
    private static String raw(String text) {
        return new String(text.getBytes(java.nio.charset.StandardCharsets.UTF_8), java.nio.charset.StandardCharsets.ISO_8859_1);
    }

    @Test
    void utf8NamesAndAddressesSurviveTheRoundTrip() { // RFC 6532
        UnaryOperator<Mailbox> toYamada = m -> m.localPart().equals("bob") ? new Mailbox("山田", "example.test") : m;
        assertThat(HeaderAddresses.rewrite(raw(" José <bob@old.example>\r\n"), toYamada)).isEqualTo(raw(" José <山田@example.test>\r\n"));
        assertThat(HeaderAddresses.rewrite(raw(" <jösé@old.example>\r\n"), OLD_TO_NEW)).isEqualTo(raw(" <jösé@example.test>\r\n"));
    }

    @Test
    void addressLiteralsStayWhole() {
        assertThat(HeaderAddresses.rewrite(" joe@[192.0.2.1]\r\n", OLD_TO_NEW)).isEqualTo(" joe@[192.0.2.1]\r\n");
    }
}
