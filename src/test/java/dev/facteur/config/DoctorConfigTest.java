package dev.facteur.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.facteur.doctor.DoctorSettings;
import java.net.InetAddress;
import org.junit.jupiter.api.Test;

/** The [doctor] table: the public addresses of a server behind NAT, which facteur doctor cannot find by itself. */
class DoctorConfigTest {

    private static Config parse(String toml) throws ConfigException {
        return ConfigLoader.parse(toml, "facteur.toml");
    }

    @Test
    void noPublicAddressesByDefault() throws ConfigException {
        assertThat(parse("").doctor()).isEqualTo(DoctorSettings.DEFAULT);
        assertThat(parse("").doctor().publicAddresses()).isEmpty();
    }

    @Test
    void publicAddressesAreIpLiteralsOfEitherFamily() throws ConfigException {
        assertThat(parse("[doctor]\npublic_addresses = [\"192.0.2.10\", \"2001:db8::10\"]\n").doctor().publicAddresses())
                .containsExactly(InetAddress.ofLiteral("192.0.2.10"), InetAddress.ofLiteral("2001:db8::10"));
    }

    @Test
    void badValuesNameFileLineAndKey() {
        assertThatThrownBy(() -> parse("[doctor]\n\npublic_addresses = [\"mx.example.org\"]\n"))
                .hasMessage("facteur.toml:3: doctor.public_addresses: not an IP address: mx.example.org");
        assertThatThrownBy(() -> parse("[doctor]\npublic_addresses = [\"192.0.2.10\", \"192.0.2.10\"]\n"))
                .hasMessage("facteur.toml:2: doctor.public_addresses: names an address twice");
        assertThatThrownBy(() -> parse("[doctor]\npublic_address = []\n"))
                .hasMessage("facteur.toml:2: doctor.public_address: unknown key");
    }
}
