package dev.facteur.auth.spf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** RFC 7208 §7: macro syntax and expansion, with the examples of §7.4. */
class MacroStringTest {

    private static final Clock CLOCK = Clock.fixed(Instant.ofEpochSecond(1_700_000_000L), ZoneOffset.UTC);

    /** §7.4: "The <sender> is strong-bad@email.example.com. The IPv4 SMTP client IP is 192.0.2.3." */
    private static final MacroContext RFC_EXAMPLE = context("192.0.2.3", "strong-bad@email.example.com");

    private static MacroContext context(String ip, String sender) {
        return new MacroContext(InetAddress.ofLiteral(ip), sender, "mx.example.org", "receiver.example.net", CLOCK,
                domain -> "mx.example.org");
    }

    private static String expand(MacroContext context, String macroString) throws SyntaxError {
        return MacroString.parse(macroString).expand(context.at("email.example.com"));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            %{s}                           | strong-bad@email.example.com
            %{o}                           | email.example.com
            %{d}                           | email.example.com
            %{d4}                          | email.example.com
            %{d3}                          | email.example.com
            %{d2}                          | example.com
            %{d1}                          | com
            %{dr}                          | com.example.email
            %{d2r}                         | example.email
            %{l}                           | strong-bad
            %{l-}                          | strong.bad
            %{lr}                          | strong-bad
            %{lr-}                         | bad.strong
            %{l1r-}                        | strong
            %{ir}.%{v}._spf.%{d2}          | 3.2.0.192.in-addr._spf.example.com
            %{lr-}.lp._spf.%{d2}           | bad.strong.lp._spf.example.com
            %{lr-}.lp.%{ir}.%{v}._spf.%{d2} | bad.strong.lp.3.2.0.192.in-addr._spf.example.com
            %{ir}.%{v}.%{l1r-}.lp._spf.%{d2} | 3.2.0.192.in-addr.strong.lp._spf.example.com
            %{d2}.trusted-domains.example.net | example.com.trusted-domains.example.net
            """)
    void theExamplesOfSection74(String macroString, String expansion) throws SyntaxError {
        assertThat(expand(RFC_EXAMPLE, macroString)).isEqualTo(expansion);
    }

    @Test
    void anIpv6ClientIsWrittenInNibbles() throws SyntaxError { // §7.4, "IPv6 SMTP client IP is 2001:db8::cb01"
        MacroContext v6 = context("2001:db8::cb01", "strong-bad@email.example.com");
        assertThat(expand(v6, "%{ir}.%{v}._spf.%{d2}"))
                .isEqualTo("1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6._spf.example.com");
    }

    @Test
    void theClientMacroOfAnExplanationIsTheReadableAddress() throws SyntaxError { // §7.3: c, RFC 5952 for IPv6
        MacroContext v6 = context("2001:db8:0:0:1:0:0:1", "a@b.example");
        assertThat(MacroString.parseExplanation("%{c} %{i}").expand(v6.at("b.example")))
                .isEqualTo("2001:db8::1:0:0:1 2.0.0.1.0.d.b.8.0.0.0.0.0.0.0.0.0.0.0.1.0.0.0.0.0.0.0.0.0.0.0.1");
        assertThat(MacroString.parseExplanation("%{c}").expand(RFC_EXAMPLE.at("x.example"))).isEqualTo("192.0.2.3");
    }

    @Test
    void explanationOnlyLettersGiveReceiverAndTime() throws SyntaxError { // §7.3: r and t
        assertThat(MacroString.parseExplanation("%{r} at %{t}").expand(RFC_EXAMPLE.at("x.example")))
                .isEqualTo("receiver.example.net at 1700000000");
    }

    @Test
    void upperCaseMacrosAreUrlEscaped() throws SyntaxError { // §7.3: all but RFC 3986's unreserved characters
        MacroContext odd = context("192.0.2.3", "~jack&jill=up-a_b3.c@e8.example.com");
        assertThat(expand(odd, "%{L}")).isEqualTo("~jack%26jill%3Dup-a_b3.c");
        assertThat(expand(odd, "%{l}")).isEqualTo("~jack&jill=up-a_b3.c");
    }

    @Test
    void theThreeEscapes() throws SyntaxError { // §7.1: "%%", "%_", "%-"
        assertThat(expand(RFC_EXAMPLE, "a%%b%_c%-d.example")).isEqualTo("a%b c%20d.example");
    }

    @Test
    void severalDelimitersSplitAtEachOfThem() throws SyntaxError { // §7.3
        MacroContext plus = context("192.0.2.3", "foo-bar+zip+quux@e12.example.com");
        assertThat(expand(plus, "%{l2r+-}")).isEqualTo("bar.foo");
    }

    @Test
    void macroSyntaxErrors() { // §7.1: each of these makes the record a permerror
        assertThatThrownBy(() -> MacroString.parse("%{d0}")).isInstanceOf(SyntaxError.class);      // DIGIT MUST be nonzero
        assertThatThrownBy(() -> MacroString.parse("%(ir).example")).isInstanceOf(SyntaxError.class);
        assertThatThrownBy(() -> MacroString.parse("foo%.example")).isInstanceOf(SyntaxError.class);
        assertThatThrownBy(() -> MacroString.parse("foo.example%")).isInstanceOf(SyntaxError.class);
        assertThatThrownBy(() -> MacroString.parse("%{d")).isInstanceOf(SyntaxError.class);
        assertThatThrownBy(() -> MacroString.parse("%{a}.example")).isInstanceOf(SyntaxError.class);
        assertThatThrownBy(() -> MacroString.parse("%{d2x}")).isInstanceOf(SyntaxError.class);    // x is no delimiter
        assertThatThrownBy(() -> MacroString.parse("a b")).isInstanceOf(SyntaxError.class);       // spaces only in exp text
    }

    @Test
    void receiverAndTimeAreForExplanationsOnly() { // §7.2: c, r and t only in exp text
        for (String s : new String[] {"%{c}.example", "%{r}.example", "%{t}.example"}) {
            assertThatThrownBy(() -> MacroString.parse(s)).as(s).isInstanceOf(SyntaxError.class);
            assertThat(catching(() -> MacroString.parseExplanation(s))).as(s).isNull();
        }
    }

    @Test
    void aDomainSpecEndsInAMacroOrATopLabel() throws SyntaxError { // §7.1 domain-end
        assertThat(MacroString.parse("%{d}").hasDomainEnd()).isTrue();
        assertThat(MacroString.parse("%{d}.com").hasDomainEnd()).isTrue();
        assertThat(MacroString.parse("foo.example.xn--zckzah").hasDomainEnd()).isTrue();
        assertThat(MacroString.parse("example.com.").hasDomainEnd()).isTrue();
        assertThat(MacroString.parse("museum").hasDomainEnd()).isFalse();     // no "." before the toplabel
        assertThat(MacroString.parse("museum.").hasDomainEnd()).isFalse();
        assertThat(MacroString.parse("abc.123").hasDomainEnd()).isFalse();    // all digits
        assertThat(MacroString.parse("example.-com").hasDomainEnd()).isFalse();
        assertThat(MacroString.parse("example.com:8080").hasDomainEnd()).isFalse();
    }

    private interface Parse {
        void run() throws SyntaxError;
    }

    private static SyntaxError catching(Parse p) {
        try {
            p.run();
            return null;
        } catch (SyntaxError e) {
            return e;
        }
    }
}
