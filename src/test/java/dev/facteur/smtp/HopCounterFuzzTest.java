package dev.facteur.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * RFC 5321 §6.3 loop detection counts the {@code Received:} fields of the header section, however
 * the bytes arrive, and passes every byte through unchanged.
 */
class HopCounterFuzzTest {

    @FuzzTest(maxDuration = "10m")
    void countsReceivedFieldsOfTheHeaderOnly(FuzzedDataProvider data) throws IOException {
        int[] cuts = new int[data.consumeInt(1, 8)];
        for (int i = 0; i < cuts.length; i++) cuts[i] = data.consumeInt(1, 1 << 12);
        byte[] message = data.consumeRemainingAsBytes();

        var out = new ByteArrayOutputStream();
        var counter = new HopCounter(out);
        int at = 0;
        for (int i = 0; at < message.length; i++) {
            int n = Math.min(cuts[i % cuts.length], message.length - at);
            if (n == 1) counter.write(message[at]);
            else counter.write(message, at, n);
            at += n;
        }
        assertThat(out.toByteArray()).isEqualTo(message);
        assertThat(counter.hops()).isEqualTo(reference(message));
    }

    private static int reference(byte[] message) {
        int hops = 0;
        for (String line : new String(message, StandardCharsets.ISO_8859_1).split("\n", -1)) {
            if (line.isEmpty() || line.equals("\r")) break;
            if (line.toLowerCase(Locale.ROOT).startsWith("received:")) hops++;
        }
        return hops;
    }
}
