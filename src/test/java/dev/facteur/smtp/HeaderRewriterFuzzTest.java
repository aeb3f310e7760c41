package dev.facteur.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;

/**
 * A message passed through the header rewriter in any pieces: with a rewrite that changes
 * nothing the bytes come out as they went in; with one that does, the result does not depend
 * on how the bytes were cut, the body (after the first empty line) is untouched, and the
 * rewrite only ever sees field names without a colon.
 */
class HeaderRewriterFuzzTest {

    @FuzzTest(maxDuration = "10m")
    void onlyHeaderFieldsChangeAndPiecesDoNotMatter(FuzzedDataProvider data) throws IOException {
        int[] cuts = new int[data.consumeInt(1, 8)];
        for (int i = 0; i < cuts.length; i++) cuts[i] = data.consumeInt(1, 1 << 12);
        byte[] message = data.consumeRemainingAsBytes();

        AddressPolicy.HeaderRewrite identity = (name, value) -> value;
        assertThat(pass(message, new int[] {message.length + 1}, identity)).isEqualTo(message);
        assertThat(pass(message, cuts, identity)).isEqualTo(message);
        assertThat(pass(message, cuts, (name, value) -> null)).isEqualTo(message);

        AddressPolicy.HeaderRewrite tag = (name, value) -> {
            assertThat(name).doesNotContain(":").isNotEmpty();
            assertThat(Character.isWhitespace(name.charAt(0))).isFalse();
            return name.equalsIgnoreCase("to") ? value + " (tagged)" : value;
        };
        byte[] whole = pass(message, new int[] {message.length + 1}, tag);
        assertThat(pass(message, cuts, tag)).isEqualTo(whole);
        int body = bodyStart(message);
        if (body >= 0 && body <= HeaderRewriter.MAX_HEADER) {
            byte[] tail = Arrays.copyOfRange(message, body, message.length);
            assertThat(Arrays.copyOfRange(whole, whole.length - tail.length, whole.length)).isEqualTo(tail);
        }
    }

    private static byte[] pass(byte[] message, int[] cuts, AddressPolicy.HeaderRewrite rewrite) throws IOException {
        var out = new ByteArrayOutputStream();
        var rewriter = new HeaderRewriter(out, rewrite);
        int at = 0;
        for (int i = 0; at < message.length; i++) {
            int n = Math.min(cuts[i % cuts.length], message.length - at);
            if (n == 1) rewriter.write(message[at]);
            else rewriter.write(message, at, n);
            at += n;
        }
        rewriter.finish();
        return out.toByteArray();
    }

    /** Just after the first empty line (LF or CR LF), or -1. */
    private static int bodyStart(byte[] m) {
        int lineStart = 0;
        for (int i = 0; i < m.length; i++) {
            if (m[i] != '\n') continue;
            int len = i - lineStart;
            if (len == 0 || (len == 1 && m[lineStart] == '\r')) return i + 1;
            lineStart = i + 1;
        }
        return -1;
    }
}
