package dev.facteur.shaping;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The address family a site's servers are tried in first (unit-tested: the tests cannot leave
 * loopback, and loopback has one address of each family). The MX order is kept.
 */
class AddressPreferenceTest {

    private record Server(String host, InetAddress address) {
        @Override
        public String toString() {
            return host + "[" + address.getHostAddress() + "]";
        }
    }

    private static Server server(String host, String address) {
        try {
            return new Server(host, InetAddress.getByName(address));
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }

    // as routing gives them: MX preference order, each host's addresses IPv6 first
    private static final List<Server> HOPS = List.of(server("mx1.example", "2001:db8::1"), server("mx1.example", "192.0.2.1"),
            server("mx1.example", "2001:db8::2"), server("mx2.example", "2001:db8::3"), server("mx2.example", "192.0.2.3"));

    private static List<String> order(AddressPreference p) {
        return p.order(HOPS, Server::host, Server::address).stream().map(Server::toString).toList();
    }

    @Test
    void ipv4FirstWithinEachServerButTheServersInTheirMxOrder() {
        assertThat(order(AddressPreference.IPV4)).containsExactly("mx1.example[192.0.2.1]", "mx1.example[2001:db8:0:0:0:0:0:1]",
                "mx1.example[2001:db8:0:0:0:0:0:2]", "mx2.example[192.0.2.3]", "mx2.example[2001:db8:0:0:0:0:0:3]");
    }

    @Test
    void ipv6FirstKeepsEachFamilysOwnOrder() {
        var reversed = List.of(server("mx1.example", "192.0.2.1"), server("mx1.example", "2001:db8::1"), server("mx1.example", "192.0.2.2"));
        assertThat(AddressPreference.IPV6.order(reversed, Server::host, Server::address).stream().map(Server::toString).toList())
                .containsExactly("mx1.example[2001:db8:0:0:0:0:0:1]", "mx1.example[192.0.2.1]", "mx1.example[192.0.2.2]");
    }

    @Test
    void anyLeavesTheOrderAsRoutingGaveIt() {
        assertThat(AddressPreference.ANY.order(HOPS, Server::host, Server::address)).isEqualTo(HOPS);
    }

    @Test
    void aRuleOrTheDefaultChoosesItByName() {
        assertThat(AddressPreference.parse("ipv4")).isEqualTo(AddressPreference.IPV4);
        assertThatThrownBy(() -> AddressPreference.parse("v4")).hasMessageContaining("\"any\", \"ipv4\" or \"ipv6\"");
        var sites = new Sites(List.of(new ShapingRule(List.of("v4.example"), List.of(), null, SiteLimits.DEFAULTS, AddressPreference.IPV4)),
                SiteLimits.DEFAULTS, AddressPreference.IPV6, java.util.Optional::of);
        assertThat(sites.of("v4.example", List.of("mx.v4.example")).addresses()).isEqualTo(AddressPreference.IPV4);
        assertThat(sites.of("other.example", List.of("mx.other.example")).addresses()).isEqualTo(AddressPreference.IPV6);
    }
}
