package dev.facteur.milter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.facteur.net.HostPort;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Filter addresses as Postfix's smtpd_milters writes them. */
class MilterAddressTest {

    @Test
    void tcpAndUnixSockets() {
        assertThat(MilterAddress.parse("inet:127.0.0.1:11332")).isEqualTo(new MilterAddress.Inet(new HostPort("127.0.0.1", 11332)));
        assertThat(MilterAddress.parse("inet:[::1]:8891")).isEqualTo(new MilterAddress.Inet(new HostPort("::1", 8891)));
        assertThat(MilterAddress.parse("inet:localhost:8891")).isEqualTo(new MilterAddress.Inet(new HostPort("localhost", 8891)));
        assertThat(MilterAddress.parse("unix:/run/opendkim/opendkim.sock")).isEqualTo(new MilterAddress.Unix(Path.of("/run/opendkim/opendkim.sock")));
        assertThat(MilterAddress.parse("local:/run/x.sock")).isEqualTo(new MilterAddress.Unix(Path.of("/run/x.sock")));
    }

    @Test
    void readsBackAsWritten() {
        assertThat(MilterAddress.parse("inet:[::1]:8891")).hasToString("inet:[::1]:8891");
        assertThat(MilterAddress.parse("unix:/run/x.sock")).hasToString("unix:/run/x.sock");
    }

    @Test
    void anythingElseIsRefused() {
        for (String bad : new String[] {"127.0.0.1:11332", "inet:11332@127.0.0.1", "inet:host", "inet:host:0", "unix:relative.sock", "tcp:h:1", ""})
            assertThatThrownBy(() -> MilterAddress.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
    }
}
