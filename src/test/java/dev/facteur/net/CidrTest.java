package dev.facteur.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;

/** Networks, as relay rules and the client groupings of the policy checks write them. */
class CidrTest {

    @Test
    void theNetworkOfAnAddressKeepsOnlyItsPrefix() {
        assertThat(Cidr.of(InetAddress.ofLiteral("192.0.2.77"), 24)).hasToString("192.0.2.0/24");
        assertThat(Cidr.of(InetAddress.ofLiteral("192.0.2.77"), 27)).hasToString("192.0.2.64/27");
        assertThat(Cidr.of(InetAddress.ofLiteral("2001:db8:1:2:3:4:5:6"), 64)).hasToString("2001:db8:1:2:0:0:0:0/64");
        assertThat(Cidr.of(InetAddress.ofLiteral("192.0.2.77"), 24)).isEqualTo(Cidr.parse("192.0.2.0/24"));
        assertThat(Cidr.of(InetAddress.ofLiteral("192.0.2.77"), 24).contains(InetAddress.ofLiteral("192.0.2.200"))).isTrue();
    }

    @Test
    void aPrefixLongerThanTheAddressIsRefused() {
        assertThatThrownBy(() -> Cidr.of(InetAddress.ofLiteral("192.0.2.77"), 33)).isInstanceOf(IllegalArgumentException.class);
    }
}
