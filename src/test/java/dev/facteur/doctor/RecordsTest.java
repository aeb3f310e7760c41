package dev.facteur.doctor;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The fixes are printed as zone-file lines, to paste into a zone or a provider's form. */
class RecordsTest {

    @Test
    void reverseNamesFollowRfc1035AndRfc3596() {
        assertThat(Records.ptr(InetAddress.ofLiteral("192.0.2.5"), "mx.example.org"))
                .isEqualTo("5.2.0.192.in-addr.arpa. PTR mx.example.org.");
        assertThat(Records.reverseName(InetAddress.ofLiteral("2001:db8::567:89ab")))
                .isEqualTo("b.a.9.8.7.6.5.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa."); // RFC 3596 §2.5's example
    }

    @Test
    void longTxtValuesAreCutIntoStringsOf255Bytes() { // RFC 1035 §3.3.14; a 2048-bit DKIM key is about 400
        String value = "v=DKIM1; k=rsa; p=" + "A".repeat(400);
        String line = Records.txt("s._domainkey.example.org", value);
        assertThat(line).startsWith("s._domainkey.example.org. TXT \"v=DKIM1; k=rsa; p=AAA");
        assertThat(line.substring(line.indexOf("TXT ") + 4).split("\" \"")).hasSize(2);
        assertThat(line.replace("\" \"", "")).endsWith(value + "\"");
    }

    @ParameterizedTest
    @CsvSource({
        "192.0.2.1,                  192.0.2.1",
        "2001:db8:0:0:0:0:0:1,       2001:db8::1",
        "2001:db8:0:0:1:0:0:1,       2001:db8::1:0:0:1",      // RFC 5952 §4.2.3: the first of equal runs
        "2001:db8:0:1:1:1:1:1,       2001:db8:0:1:1:1:1:1",   // §4.2.2: one zero group is not shortened
        "0:0:0:0:0:0:0:1,            ::1",
        "fe80:0:0:0:0:0:0:0,         fe80::",
        "2001:DB8:0:0:0:0:2:1,       2001:db8::2:1",
    })
    void ipv6AddressesAreWrittenAsRfc5952Says(String address, String text) {
        assertThat(Records.text(InetAddress.ofLiteral(address))).isEqualTo(text);
        assertThat(Records.spfTerm(InetAddress.ofLiteral(address))).isEqualTo((text.contains(":") ? "ip6:" : "ip4:") + text);
    }
}
