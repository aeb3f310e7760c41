package dev.facteur.dns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

class AnswersTest {

    @Test
    void mxRecordsAreSortedByPreferenceKeepingTheOrderWithinALevel() { // RFC 5321 §5.1
        var records = new MxAnswer.Records(List.of(new Mx(20, "c.example.test"), new Mx(10, "b.example.test"),
                new Mx(30, "d.example.test"), new Mx(10, "a.example.test")));
        assertThat(records.mxs()).extracting(Mx::host)
                .containsExactly("b.example.test", "a.example.test", "c.example.test", "d.example.test");
    }

    @Test
    void anEmptyMxListIsNoRecordsNotRecords() {
        assertThatThrownBy(() -> new MxAnswer.Records(List.of())).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void mxHostsAreLowercaseWithoutTheTrailingDot() {
        assertThat(new Mx(10, "MX1.Example.TEST.")).isEqualTo(new Mx(10, "mx1.example.test"));
    }

    @Test
    void theRootIsNotAnMxHost() { // RFC 7505: "MX 0 ." is NullMx, not an exchanger
        assertThatThrownBy(() -> new Mx(0, ".")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Mx(65536, "mx.example.test")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void addressesPutIPv6FirstThenIPv4() { // RFC 6724 §10.3 default policy table
        var found = new AddressAnswer.Found(List.of(ip("127.0.0.21"), ip("::1"), ip("127.0.0.22"), ip("::2")));
        assertThat(found.addresses()).containsExactly(ip("::1"), ip("::2"), ip("127.0.0.21"), ip("127.0.0.22"));
    }

    @Test
    void addressesAreListedOnce() {
        var found = new AddressAnswer.Found(List.of(ip("127.0.0.21"), ip("127.0.0.21")));
        assertThat(found.addresses()).containsExactly(ip("127.0.0.21"));
    }

    private static InetAddress ip(String literal) {
        return InetAddress.ofLiteral(literal);
    }
}
