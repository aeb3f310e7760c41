package dev.facteur.auth.dmarc;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The list's algorithm (https://publicsuffix.org/list/) on the bundled copy, with cases in the
 * manner of the list's own tests/test_psl.txt, written by hand: the Organizational Domain of RFC
 * 7489 §3.2 is the registrable domain, and a public suffix is its own.
 */
class PublicSuffixListTest {

    static final PublicSuffixList PSL = PublicSuffixList.bundled();

    private static String org(String domain) {
        return PSL.registrableDomain(domain).orElseThrow();
    }

    @Test void plainTopLevelDomain() {
        assertThat(org("example.com")).isEqualTo("example.com");
        assertThat(org("b.example.com")).isEqualTo("example.com");
        assertThat(org("a.b.example.com")).isEqualTo("example.com");
        assertThat(PSL.isPublicSuffix("com")).isTrue();
    }

    @Test void secondLevelSuffix() { // co.uk
        assertThat(org("example.co.uk")).isEqualTo("example.co.uk");
        assertThat(org("www.example.co.uk")).isEqualTo("example.co.uk");
        assertThat(PSL.isPublicSuffix("co.uk")).isTrue();
        assertThat(org("co.uk")).as("a suffix is its own Organizational Domain").isEqualTo("co.uk");
    }

    @Test void wildcardAndExceptionRules() { // *.ck and !www.ck
        assertThat(PSL.isPublicSuffix("ck")).isTrue();
        assertThat(PSL.isPublicSuffix("test.ck")).as("*.ck makes every name under ck a suffix").isTrue();
        assertThat(org("b.test.ck")).isEqualTo("b.test.ck");
        assertThat(org("a.b.test.ck")).isEqualTo("b.test.ck");
        assertThat(org("www.ck")).as("!www.ck: the exception is registrable").isEqualTo("www.ck");
        assertThat(org("www.www.ck")).isEqualTo("www.ck");
        assertThat(PSL.publicSuffix("www.www.ck")).hasValue("ck");
    }

    @Test void exceptionUnderAWildcardDeeperDown() { // *.kobe.jp and !city.kobe.jp
        assertThat(PSL.isPublicSuffix("c.kobe.jp")).isTrue();
        assertThat(org("b.c.kobe.jp")).isEqualTo("b.c.kobe.jp");
        assertThat(org("a.b.c.kobe.jp")).isEqualTo("b.c.kobe.jp");
        assertThat(org("city.kobe.jp")).isEqualTo("city.kobe.jp");
        assertThat(org("www.city.kobe.jp")).isEqualTo("city.kobe.jp");
    }

    @Test void longestRuleWins() { // kyoto.jp and ide.kyoto.jp
        assertThat(org("test.kyoto.jp")).isEqualTo("test.kyoto.jp");
        assertThat(PSL.isPublicSuffix("ide.kyoto.jp")).isTrue();
        assertThat(org("b.ide.kyoto.jp")).isEqualTo("b.ide.kyoto.jp");
        assertThat(org("a.b.ide.kyoto.jp")).isEqualTo("b.ide.kyoto.jp");
    }

    @Test void unlistedTopLevelDomainFollowsTheImplicitStarRule() {
        assertThat(PSL.isPublicSuffix("example")).isTrue();
        assertThat(org("example.example")).isEqualTo("example.example");
        assertThat(org("b.example.example")).isEqualTo("example.example");
        assertThat(org("a.b.example.example")).isEqualTo("example.example");
    }

    @Test void caseAndTrailingDotDoNotMatter() {
        assertThat(org("WWW.Example.COM.")).isEqualTo("example.com");
    }

    @Test void internationalizedRulesMatchALabels() { // 公司.cn
        assertThat(org("食狮.公司.cn")).isEqualTo("xn--85x722f.xn--55qx5d.cn");
        assertThat(org("www.xn--85x722f.xn--55qx5d.cn")).isEqualTo("xn--85x722f.xn--55qx5d.cn");
        assertThat(org("shishi.xn--55qx5d.cn")).isEqualTo("shishi.xn--55qx5d.cn");
    }

    @Test void privateSectionIsUsedUnlessLeftOut() throws IOException { // blogspot.com, github.io
        assertThat(org("someone.blogspot.com")).isEqualTo("someone.blogspot.com");
        assertThat(org("www.someone.github.io")).isEqualTo("someone.github.io");
        PublicSuffixList icann = PublicSuffixList.bundled(false);
        assertThat(icann.registrableDomain("someone.blogspot.com")).hasValue("blogspot.com");
    }

    @Test void notADomainHasNoAnswer() {
        assertThat(PSL.registrableDomain("a..example.com")).isEmpty();
        assertThat(PSL.registrableDomain("")).isEmpty();
        assertThat(PSL.registrableDomain(".com")).isEmpty();
    }

    @Test void operatorsLoadTheirOwnCopy(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("psl.dat");
        Files.writeString(file, """
                // ===BEGIN ICANN DOMAINS===
                example
                *.wild.example
                // ===END ICANN DOMAINS===
                // ===BEGIN PRIVATE DOMAINS===
                hosting.example
                // ===END PRIVATE DOMAINS===
                """);
        PublicSuffixList list = PublicSuffixList.load(file, true);
        assertThat(list.registrableDomain("a.b.example")).hasValue("b.example");
        assertThat(list.registrableDomain("x.y.wild.example")).hasValue("x.y.wild.example");
        assertThat(list.registrableDomain("a.me.hosting.example")).hasValue("me.hosting.example");
        assertThat(PublicSuffixList.load(file, false).registrableDomain("a.me.hosting.example")).hasValue("hosting.example");
    }

    @Test void anEmptyFileIsRefused() {
        var empty = new ByteArrayInputStream("// nothing\n".getBytes(StandardCharsets.UTF_8));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> PublicSuffixList.read(empty, true)).isInstanceOf(IOException.class);
    }
}
