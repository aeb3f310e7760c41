package dev.facteur.policy.check;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.Inet4Address;
import java.net.InetAddress;
import org.junit.jupiter.api.Test;

/** Entries of a list of DNS lists, in postscreen_dnsbl_sites' syntax: zone[=filter][*weight]. */
class DnsListTest {

    @Test
    void aPlainZoneWeighsOneAndTakesAnyAnswer() {
        assertThat(DnsList.parse("bl.example")).isEqualTo(new DnsList("bl.example", null, 1));
        assertThat(DnsList.parse(" BL.Example ")).as("blanks around, case").isEqualTo(new DnsList("bl.example", null, 1));
    }

    @Test
    void aWeightFollowsAStarAndMayBeNegativeForAllowLists() {
        assertThat(DnsList.parse("zen.example*3")).isEqualTo(new DnsList("zen.example", null, 3));
        assertThat(DnsList.parse("wl.example=127.0.[0..255].[1..255]*-2"))
                .isEqualTo(new DnsList("wl.example", ReplyFilter.parse("127.0.[0..255].[1..255]"), -2));
    }

    @Test
    void aFilterTakesNumbersRangesAndListsInBrackets() {
        var f = DnsList.parse("list.example=127.0.0.[2..11]*2").filter();
        assertThat(f.matches(v4("127.0.0.2"))).isTrue();
        assertThat(f.matches(v4("127.0.0.11"))).isTrue();
        assertThat(f.matches(v4("127.0.0.1"))).isFalse();
        assertThat(f.matches(v4("127.0.0.12"))).isFalse();
        assertThat(f.matches(v4("127.0.1.2"))).isFalse();

        var g = ReplyFilter.parse("127.[0;2].0.[1;4..5]");
        assertThat(g.matches(v4("127.2.0.5"))).isTrue();
        assertThat(g.matches(v4("127.0.0.1"))).isTrue();
        assertThat(g.matches(v4("127.1.0.1"))).isFalse();
        assertThat(g.matches(v4("127.0.0.3"))).isFalse();
        assertThat(ReplyFilter.parse("127.0.0.4").matches(v4("127.0.0.4"))).isTrue();
        assertThat(ReplyFilter.parse("127.0.0.4").matches(v4("127.0.0.5"))).isFalse();
    }

    @Test
    void mistakesQuoteTheEntryAndSayWhatIsWrong() {
        assertThatThrownBy(() -> DnsList.parse("list.example=127.0.0.[2..x]"))
                .hasMessageStartingWith("DNS list \"list.example=127.0.0.[2..x]\": \"x\" is not a number from 0 to 255");
        assertThatThrownBy(() -> DnsList.parse("list.example=127.0.0.256")).hasMessageContaining("\"256\" is not a number from 0 to 255");
        assertThatThrownBy(() -> DnsList.parse("list.example=127.0.0")).hasMessageContaining("not four dot-separated parts");
        assertThatThrownBy(() -> DnsList.parse("list.example=127.0.0.2.1")).hasMessageContaining("not four dot-separated parts");
        assertThatThrownBy(() -> DnsList.parse("list.example=127.0.0.[11..2]")).hasMessageContaining("range \"11..2\" goes backwards");
        assertThatThrownBy(() -> DnsList.parse("list.example=127.0.0.[2")).hasMessageContaining("\"[\" without \"]\"");
        assertThatThrownBy(() -> DnsList.parse("list.example=127.0.0.[]")).hasMessageContaining("\"[]\" matches nothing");
        assertThatThrownBy(() -> DnsList.parse("list.example=127.0.0.[2]x")).hasMessageContaining("\"x\" where a dot should be");
        assertThatThrownBy(() -> DnsList.parse("list.example*two")).hasMessageContaining("the weight \"two\" is not a whole number");
        assertThatThrownBy(() -> DnsList.parse("list.example*")).hasMessageContaining("the weight \"\" is not a whole number");
        assertThatThrownBy(() -> DnsList.parse("list..example")).hasMessageContaining("\"list..example\" is not a DNS zone: an empty label");
        assertThatThrownBy(() -> DnsList.parse("=127.0.0.2")).hasMessageContaining("is not a DNS zone: empty");
        assertThatThrownBy(() -> DnsList.parse("list example")).hasMessageContaining("is not a DNS zone: the character \" \"");
    }

    @Test
    void anEntryReadsBackAsWritten() {
        for (String e : new String[] {"bl.example", "zen.example*3", "list.example=127.0.0.[2..11]*2", "wl.example=127.0.[0..255].[1..255]*-2"})
            assertThat(DnsList.parse(e)).hasToString(e);
    }

    @Test
    void addressesAreReversedOctetsOrNibbles() { // RFC 5782 §2.1, §2.4
        assertThat(ReversedAddress.of(InetAddress.ofLiteral("192.0.2.1"))).isEqualTo("1.2.0.192");
        assertThat(ReversedAddress.of(InetAddress.ofLiteral("2001:db8:1:2:3:4:567:89ab")))
                .isEqualTo("b.a.9.8.7.6.5.0.4.0.0.0.3.0.0.0.2.0.0.0.1.0.0.0.8.b.d.0.1.0.0.2");
    }

    private static Inet4Address v4(String s) {
        return (Inet4Address) InetAddress.ofLiteral(s);
    }
}
