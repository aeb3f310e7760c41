package dev.facteur.routing;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.facteur.message.AddressSyntax;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;

/**
 * The right-hand side of a transport map entry: a {@link Transport} whose text parses back to
 * itself, or an IllegalArgumentException saying what is wrong (the map then names file and
 * line). A host is a domain or an IP address, a port is 1..65535.
 */
class TransportFuzzTest {

    @FuzzTest(maxDuration = "10m")
    void transportsParseBackToThemselves(byte[] input) {
        String s = new String(input, StandardCharsets.UTF_8);
        Transport t;
        try {
            t = Transport.parse(s);
        } catch (IllegalArgumentException e) {
            assertThat(e.getMessage()).isNotBlank();
            return;
        }
        assertThat(Transport.parse(t.toString())).isEqualTo(t);
        switch (t) {
            case Transport.Smtp smtp -> {
                assertThat(isHost(smtp.host())).as("host of %s", smtp).isTrue();
                assertThat(smtp.port()).isBetween(0, 65535);
            }
            case Transport.Lmtp lmtp when lmtp.server() != null -> {
                assertThat(isHost(lmtp.server().host())).as("host of %s", lmtp).isTrue();
                assertThat(lmtp.server().port()).isBetween(1, 65535);
            }
            case Transport.Error error -> assertThat(error.reply().code()).isIn(450, 550);
            default -> { }
        }
    }

    private static boolean isHost(String h) {
        if (AddressSyntax.isDomain(h, false)) return true;
        try {
            InetAddress.ofLiteral(h);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
