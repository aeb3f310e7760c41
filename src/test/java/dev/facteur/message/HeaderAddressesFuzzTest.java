package dev.facteur.message;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.function.UnaryOperator;

/**
 * Any header field value (as raw bytes, one char each): rewriting with the identity gives back
 * the very same value, and a real rewrite touches only addresses, leaving display names, quotes,
 * comments and line breaks (RFC 5322 §3.4) as they were, without ever throwing.
 */
class HeaderAddressesFuzzTest {

    @FuzzTest(maxDuration = "10m")
    void onlyAddressesChange(byte[] raw) {
        String value = new String(raw, java.nio.charset.StandardCharsets.ISO_8859_1);
        assertThat(HeaderAddresses.rewrite(value, UnaryOperator.identity())).isSameAs(value);

        UnaryOperator<Mailbox> masquerade = m -> new Mailbox(m.localPart(), "rewritten.example");
        String out = HeaderAddresses.rewrite(value, masquerade);
        for (char c : new char[] {'"', '(', ')', '<', '>', ',', ';', '\r', '\n', '\\'})
            assertThat(count(out, c)).as("count of %s", c).isEqualTo(count(value, c));
        assertThat(out.chars().allMatch(c -> c < 256)).as("still one byte per char").isTrue();
        assertThat(HeaderAddresses.rewrite(out, masquerade)).as("rewriting twice changes nothing more").isEqualTo(out);
    }

    private static long count(String s, char c) {
        return s.chars().filter(x -> x == c).count();
    }
}
